package dev.vertxp2p.web;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;

/**
 * The checks every request passes before anything else looks at it, in this order:
 * <ol>
 *   <li>its {@code Host} names this dashboard ({@link HostPolicy}), else 421 Misdirected
 *       Request: a page whose own name was rebound to our address sends its own name here;
 *   <li>an {@code Origin}, when present, is this dashboard's, else 403: a page of another site
 *       reaches us through the user's browser;
 *   <li>a request that carries a body says {@code Content-Type: application/json}, else 415:
 *       a form or a {@code text/plain} fetch from another site needs no CORS preflight, a JSON
 *       one does, and we answer no preflight.
 * </ol>
 * A request carries a body when it has a {@code Content-Length} above zero or any {@code
 * Transfer-Encoding} (RFC 9112 section 6.3: without either, an HTTP/1.1 request has none). The
 * server speaks HTTP/1.x only, so these headers are the whole story.
 */
final class RequestGuard implements Handler<RoutingContext> {
  /** 421 Misdirected Request (RFC 9110 section 15.5.20): not the server this name is for. */
  static final int MISDIRECTED = 421;
  /** 415 Unsupported Media Type (RFC 9110 section 15.5.16). */
  static final int UNSUPPORTED_MEDIA_TYPE = 415;
  static final int FORBIDDEN = 403;
  /** The one media type a request body may have. */
  static final String JSON = "application/json";

  private final HostPolicy policy;

  RequestGuard(HostPolicy policy) {
    this.policy = policy;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String refusal = hostRefusal(req);
    if (refusal != null) {
      DashboardVerticle.error(ctx, MISDIRECTED, refusal);
      return;
    }
    refusal = originRefusal(req);
    if (refusal != null) {
      DashboardVerticle.error(ctx, FORBIDDEN, refusal);
      return;
    }
    refusal = bodyRefusal(req);
    if (refusal != null) {
      DashboardVerticle.error(ctx, UNSUPPORTED_MEDIA_TYPE, refusal);
      return;
    }
    ctx.next();
  }

  private String hostRefusal(HttpServerRequest req) {
    List<String> hosts = req.headers().getAll(HttpHeaders.HOST);
    if (hosts.size() > 1) {
      return "expected one Host header, got " + hosts.size();
    }
    HostAndPort authority = req.authority();
    if (authority == null || authority.host() == null || authority.host().isEmpty()) {
      return "expected a Host header naming this dashboard (" + policy.expected() + "), got none";
    }
    if (!policy.hostAllowed(authority.host(), authority.port())) {
      return "Host " + authority + " is not this dashboard: expected one of " + policy.expected()
          + " (add other names to http.allowedHosts)";
    }
    return null;
  }

  private String originRefusal(HttpServerRequest req) {
    List<String> origins = req.headers().getAll(HttpHeaders.ORIGIN);
    if (origins.isEmpty()) {
      // Not a browser, or a same-origin GET: nothing to check (the token still applies).
      return null;
    }
    if (origins.size() > 1) {
      return "expected at most one Origin header, got " + origins.size();
    }
    String origin = origins.get(0);
    if (!policy.originAllowed(origin)) {
      return "Origin " + origin + " is not this dashboard's: expected one of "
          + policy.expectedOrigins();
    }
    return null;
  }

  private static String bodyRefusal(HttpServerRequest req) {
    if (!carriesBody(req)) {
      return null;
    }
    List<String> types = req.headers().getAll(HttpHeaders.CONTENT_TYPE);
    if (types.size() == 1 && isJson(types.get(0))) {
      return null;
    }
    return "a request body must be " + JSON + ", got "
        + (types.isEmpty() ? "no Content-Type" : "Content-Type " + String.join(", ", types));
  }

  /** Whether {@code req} has a body: a Content-Length above 0, or any Transfer-Encoding. */
  static boolean carriesBody(HttpServerRequest req) {
    if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return true;
    }
    List<String> lengths = req.headers().getAll(HttpHeaders.CONTENT_LENGTH);
    for (String length : lengths) {
      try {
        if (Long.parseLong(length.trim()) != 0) {
          return true;
        }
      } catch (NumberFormatException e) {
        return true; // unreadable: assume the worst
      }
    }
    return false;
  }

  /** Whether a Content-Type is {@code application/json}, parameters such as charset allowed. */
  static boolean isJson(String contentType) {
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return type.toLowerCase(Locale.ROOT).equals(JSON);
  }
}
