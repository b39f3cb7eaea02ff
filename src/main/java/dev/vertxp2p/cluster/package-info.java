/**
 * Cluster-kept peers ({@code swarm.cluster.keep}, {@code unkeep}, {@code kept}): the plan that
 * splits a peer's connections over the live nodes ({@link dev.vertxp2p.cluster.ClusterKeepPlan},
 * pure), and the per-node keeper that holds the cluster map of kept peers and keeps this node's
 * share on its own swarm ({@link dev.vertxp2p.cluster.ClusterKeeper} through {@link
 * dev.vertxp2p.cluster.LocalKeeps}).
 *
 * <p>It builds on the API ({@code dev.vertxp2p}) and {@code .util} only; the verticle wires it.
 */
package dev.vertxp2p.cluster;
