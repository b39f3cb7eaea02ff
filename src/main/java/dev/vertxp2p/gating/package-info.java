/**
 * Dial policy and per-IP limits as pure, sans-IO building blocks: CIDR matching ({@link
 * dev.vertxp2p.gating.Cidr}), the address allow/deny lists ({@link
 * dev.vertxp2p.gating.AddressFilter}), per-source connection counts and rate ({@link
 * dev.vertxp2p.gating.IpLimiter}), per-address dial backoff ({@link
 * dev.vertxp2p.gating.AddressBackoff}) and the contract's refusal value ({@link
 * dev.vertxp2p.gating.Refusal}).
 *
 * <p>Nothing here reads a clock (time comes in as nanoseconds), resolves a name or opens a
 * socket; ArchitectureTest keeps it so. The package depends on no other package of this project,
 * so the API root (options, {@code RefusedException}, the multiaddr codec) may use it.
 */
package dev.vertxp2p.gating;
