package dev.vertxp2p.util;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * A thin face on the JDK's platform logger, so the library brings no logging framework of its own
 * and applications route it wherever they route {@code System.Logger}.
 */
public final class Log {
  private final Logger logger;

  private Log(Logger logger) {
    this.logger = logger;
  }

  public static Log get(Class<?> type) {
    return new Log(System.getLogger(type.getName()));
  }

  public boolean isDebugEnabled() {
    return logger.isLoggable(Level.DEBUG);
  }

  public void debug(String message) {
    logger.log(Level.DEBUG, message);
  }

  public void debug(Supplier<String> message) {
    if (logger.isLoggable(Level.DEBUG)) {
      logger.log(Level.DEBUG, message.get());
    }
  }

  public void info(String message) {
    logger.log(Level.INFO, message);
  }

  public void warn(String message) {
    logger.log(Level.WARNING, message);
  }

  public void warn(String message, Throwable cause) {
    logger.log(Level.WARNING, message, cause);
  }

  public void error(String message, Throwable cause) {
    logger.log(Level.ERROR, message, cause);
  }
}
