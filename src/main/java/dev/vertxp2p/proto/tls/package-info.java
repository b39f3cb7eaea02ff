/**
 * The libp2p TLS security protocol {@code /tls/1.0.0} (libp2p TLS spec) as a sans-IO engine: the
 * certificate with its libp2p Public Key Extension ({@link
 * dev.vertxp2p.proto.tls.Libp2pTlsCertificate}, {@link dev.vertxp2p.proto.tls.SignedKey}), and
 * the TLS 1.3 handshake and channel over the JDK's SSLEngine ({@link
 * dev.vertxp2p.proto.tls.TlsHandshake}, {@link dev.vertxp2p.proto.tls.TlsSession}). No socket,
 * thread or clock: the time a handshake starts is passed in; EnginePurityTest keeps it so.
 *
 * <p>Offered on connections beside Noise ({@code transport.security}); the upgrade engine
 * drives it after multistream-select agreed on {@link
 * dev.vertxp2p.proto.tls.TlsHandshake#PROTOCOL_ID}, as sketched here:
 *
 * <pre>{@code
 * TlsHandshake tls = initiator ? TlsHandshake.dialer(config, expectedPeer, now)
 *                              : TlsHandshake.listener(config, now);
 * write(tls.drainOutput());                      // the dialer's ClientHello
 * on bytes: tls.feed(bytes, 0, n); write(tls.drainOutput());
 * when tls.isComplete():
 *   remote = tls.remotePeer() / tls.remotePublicKey().marshal()
 *   muxer  = tls.negotiatedMuxer()               // null: multistream-select inside the session
 *   first  = tls.plaintextLeftover()             // the muxer's (or multistream's) first bytes
 *   session = tls.session(): encrypt(plain) -> records to write,
 *                            decrypt(records) -> plaintext, then write(session.drainOutput())
 * on timeout or close before completion: tls.destroy()
 * }</pre>
 *
 * <p>Unlike Noise, TLS frames its records itself, so the session takes and returns arbitrary
 * chunks; and a dialer completes before the listener has checked its certificate (TLS 1.3), so a
 * refusal reaches the dialer as a {@link dev.vertxp2p.proto.tls.TlsException} from {@code
 * decrypt}.
 */
package dev.vertxp2p.proto.tls;
