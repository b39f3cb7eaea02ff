// A js-libp2p node that the Java interop tests drive over JSON lines.
//
//   node interop/js/peer.mjs [--muxers yamux,mplex] [--listen /ip4/127.0.0.1/tcp/0[,/ip4/127.0.0.1/tcp/0/ws][,/ip4/127.0.0.1/udp/0/quic-v1]]
//                            [--echo] [--key <hex protobuf private key>]
//                            [--no-identify-push] [--ping-interval <ms>]
//                            [--dial-local-address <ip>] [--security noise,tls]
//
// stdout carries only protocol lines: first `READY {json}`, then one JSON
// answer per JSON command read from stdin, each echoing the command's "id".
// Everything else (logs, diagnostics) goes to stderr so it can never be
// mistaken for an answer. See README.md for the command list.

import './polyfill.mjs'

import { createHash, randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { createInterface } from 'node:readline'
import { noise } from '@chainsafe/libp2p-noise'
import { quic } from '@chainsafe/libp2p-quic'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { identify, identifyPush } from '@libp2p/identify'
import { mplex } from '@libp2p/mplex'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { version as libp2pVersion } from 'libp2p/version'

export const ECHO_PROTOCOL = '/echo/1.0.0'
// libp2p perf spec: the client sends the byte count it wants back as a
// big-endian u64, uploads, half-closes; the server then sends that many bytes.
export const PERF_PROTOCOL = '/perf/1.0.0'
const PING_PROTOCOL = '/ipfs/ping/1.0.0'
const PING_SIZE = 32
// Bounds on what one benchmark command may ask for.
const MAX_PING_COUNT = 100_000
const MAX_PERF_BYTES = 2 ** 40
const MAX_DIAL_COUNT = 100_000
export const AGENT_NAME = 'vertxp2p-interop-js'
// Per-protocol stream caps: js defaults to 32 inbound / 64 outbound streams per
// protocol and connection, too few for the concurrent echo tests.
const ECHO_MAX_STREAMS = 1024
const DEFAULT_TIMEOUT_MS = 30_000
const SEND_CHUNK = 64 * 1024
const MAX_EVENTS = 2000
// Stock js mplex aborts the whole connection when the remote opens more than
// 5 streams within one second (its only defence, mplex having no
// backpressure). The harness raises it so the concurrent-stream tests can run;
// `--mplex-disconnect-threshold 5` restores the stock behaviour.
const DEFAULT_MPLEX_DISCONNECT_THRESHOLD = 100_000

function log (...args) {
  process.stderr.write(`[js-peer ${new Date().toISOString()}] ${args.join(' ')}\n`)
}

function parseArgs (argv) {
  const opts = { muxers: ['yamux', 'mplex'], listen: ['/ip4/127.0.0.1/tcp/0'], echo: false, key: null, identifyPush: true, pingInterval: null, mplexDisconnectThreshold: DEFAULT_MPLEX_DISCONNECT_THRESHOLD, dialLocalAddress: null, security: ['noise'] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    switch (a) {
      case '--muxers': opts.muxers = next().split(',').map(s => s.trim()).filter(s => s.length > 0); break
      case '--listen': opts.listen = next().split(',').map(s => s.trim()).filter(s => s.length > 0); break
      case '--echo': opts.echo = true; break
      case '--key': opts.key = next(); break
      case '--no-identify-push': opts.identifyPush = false; break
      case '--ping-interval': opts.pingInterval = Number(next()); break
      case '--mplex-disconnect-threshold': opts.mplexDisconnectThreshold = Number(next()); break
      case '--dial-local-address': opts.dialLocalAddress = next(); break
      case '--security': opts.security = next().split(',').map(s => s.trim()).filter(s => s.length > 0); break
      default: throw new Error(`unknown argument ${a}`)
    }
  }
  return opts
}

// A do-nothing metric: every method call returns it again.
const NOOP_METRIC = new Proxy(function () {}, {
  get: (target, prop) => (prop === 'then' ? undefined : NOOP_METRIC),
  apply: () => NOOP_METRIC
})

// libp2p reports every protocol stream it negotiates, in both directions, to
// its metrics component; this one records them as 'stream' events (so a test
// can see js open an identify push or answer a ping) and ignores the rest.
function streamRecordingMetrics (getNode) {
  return () => new Proxy({
    trackProtocolStream (stream) {
      const conn = getNode()?.getConnections().find(c => c.streams.includes(stream))
      recordEvent('stream', { protocol: stream.protocol, direction: stream.direction, stream: stream.id, peer: conn?.remotePeer.toString() ?? null, connection: conn?.id ?? null })
    },
    trackMultiaddrConnection () {},
    traceFunction (name, fn) { return fn },
    createTrace () { return undefined }
  }, {
    get: (target, prop) => (prop in target ? target[prop] : (prop === 'then' ? undefined : NOOP_METRIC))
  })
}

// --security names: noise is /noise, tls is /tls/1.0.0 (@libp2p/tls).
const SECURITY = { noise: () => noise(), tls: () => tls() }

const MUXERS = {
  yamux: () => yamux(),
  mplex: (opts) => mplex({ disconnectThreshold: opts.mplexDisconnectThreshold })
}

const hex = (bytes) => Buffer.from(bytes).toString('hex')

const events = []
let nextEventSeq = 0
const eventWaiters = new Set()
function recordEvent (type, detail) {
  const event = { seq: nextEventSeq++, atMs: Date.now(), type, ...detail }
  events.push(event)
  if (events.length > MAX_EVENTS) events.shift()
  for (const waiter of eventWaiters) waiter(event)
}

function eventMatches (event, filter) {
  if (event.seq < (filter.since ?? 0)) return false
  if (filter.type != null && event.type !== filter.type) return false
  if (filter.peer != null && event.peer !== filter.peer) return false
  if (filter.protocol != null && event.protocol !== filter.protocol && !(event.protocols ?? []).includes(filter.protocol)) return false
  if (filter.direction != null && event.direction !== filter.direction) return false
  return true
}

function connectionInfo (conn) {
  return {
    id: conn.id,
    remotePeer: conn.remotePeer.toString(),
    remoteAddr: conn.remoteAddr.toString(),
    direction: conn.direction,
    muxer: conn.multiplexer ?? null,
    encryption: conn.encryption ?? null,
    status: conn.status,
    streams: conn.streams.length,
    streamProtocols: conn.streams.map(s => s.protocol ?? '')
  }
}

function errorInfo (err) {
  return { error: err?.message ?? String(err), name: err?.name ?? 'Error', code: err?.code }
}

async function main () {
  const opts = parseArgs(process.argv.slice(2))
  for (const m of opts.muxers) {
    if (MUXERS[m] == null) throw new Error(`unknown muxer ${m} (known: ${Object.keys(MUXERS).join(', ')})`)
  }
  for (const s of opts.security) {
    if (SECURITY[s] == null) throw new Error(`unknown security ${s} (known: ${Object.keys(SECURITY).join(', ')})`)
  }

  const privateKey = opts.key != null
    ? privateKeyFromProtobuf(Buffer.from(opts.key, 'hex'))
    : await generateKeyPair('Ed25519')

  const services = {
    identify: identify(),
    ping: ping()
  }
  if (opts.identifyPush) services.identifyPush = identifyPush()

  const config = {
    privateKey,
    addresses: { listen: opts.listen },
    // @libp2p/tcp hands dialOpts to net.connect: localAddress binds every dial's source address
    // (a test plays a peer on another loopback address, e.g. 127.0.0.2).
    // WebSockets (/ws) beside TCP: a /ws listen address starts its own HTTP server, and /ws
    // addresses are dialled with the global WebSocket (polyfill.mjs supplies one on Node 20).
    // QUIC v1 (@chainsafe/libp2p-quic, a native quinn/rustls module): /udp/N/quic-v1 addresses are
    // listened on and dialled with QUIC's own TLS 1.3 handshake and stream multiplexing, so the
    // encrypters and muxers below never apply to them.
    transports: [tcp(opts.dialLocalAddress != null ? { dialOpts: { localAddress: opts.dialLocalAddress } } : {}), webSockets(), quic()],
    // --security: the connection encrypters in the order offered (multistream-select).
    connectionEncrypters: opts.security.map(s => SECURITY[s]()),
    // Order matters: it is the order offered in the noise handshake extension
    // and in multistream-select muxer negotiation.
    streamMuxers: opts.muxers.map(m => MUXERS[m](opts)),
    services,
    // Benchmarks open thousands of short connections from one host; js's stock
    // inbound rate limit (5 per second per host) would measure the limit.
    connectionManager: { inboundConnectionThreshold: 100_000, maxIncomingPendingConnections: 1000, maxConnections: 20_000 },
    nodeInfo: {
      name: AGENT_NAME,
      version: libp2pVersion,
      userAgent: `${AGENT_NAME}/1.0.0 js-libp2p/${libp2pVersion} node/${process.versions.node}`
    }
  }
  let node
  config.metrics = streamRecordingMetrics(() => node)
  if (opts.pingInterval != null) config.connectionMonitor = { pingInterval: opts.pingInterval }

  node = await createLibp2p(config)

  node.addEventListener('connection:open', (evt) => {
    const c = evt.detail
    recordEvent('connection:open', { connection: c.id, peer: c.remotePeer.toString(), direction: c.direction, muxer: c.multiplexer ?? null })
    log('connection open', c.id, c.direction, c.remotePeer.toString(), c.multiplexer)
  })
  node.addEventListener('connection:close', (evt) => {
    const c = evt.detail
    recordEvent('connection:close', { connection: c.id, peer: c.remotePeer.toString() })
    log('connection close', c.id, c.remotePeer.toString())
  })
  node.addEventListener('peer:identify', (evt) => {
    const r = evt.detail
    recordEvent('peer:identify', { peer: r.peerId.toString(), connection: r.connection?.id, agentVersion: r.agentVersion ?? null, protocols: r.protocols })
  })

  const echoHandler = (protocol) => async (stream, connection) => {
    try {
      // Echo until the remote half-closes, then half-close our side too.
      for await (const chunk of stream) {
        if (!stream.send(chunk)) await stream.onDrain()
      }
      await stream.close()
    } catch (err) {
      log(`${protocol} handler error`, err.name, err.message)
      stream.abort(err)
    }
  }
  const handlerLimits = { maxInboundStreams: ECHO_MAX_STREAMS, maxOutboundStreams: ECHO_MAX_STREAMS }

  if (opts.echo) {
    await node.handle(ECHO_PROTOCOL, echoHandler(ECHO_PROTOCOL), handlerLimits)
  }

  await node.start()

  const findConnection = (id) => node.getConnections().find(c => c.id === id)

  // Resolves the command's target to a connection: an explicit connection id,
  // else an address (dialled, reusing an existing connection), else a peer id.
  async function target (cmd, signal) {
    if (cmd.connection != null) {
      const c = findConnection(cmd.connection)
      if (c == null) throw Object.assign(new Error(`no open connection with id ${cmd.connection}`), { name: 'NoSuchConnectionError' })
      return c
    }
    if (cmd.addr != null) return node.dial(multiaddr(cmd.addr), { signal })
    if (cmd.peer != null) return node.dial(peerIdFromString(cmd.peer), { signal })
    throw new Error('command needs "connection", "addr" or "peer"')
  }

  async function echoOne (conn, size, signal) {
    const stream = await conn.newStream(ECHO_PROTOCOL, { signal, maxOutboundStreams: ECHO_MAX_STREAMS })
    const payload = randomBytes(size)
    const sentHash = createHash('sha256').update(payload).digest('hex')
    const received = createHash('sha256')
    let receivedBytes = 0
    const reading = (async () => {
      for await (const chunk of stream) {
        const bytes = chunk.subarray()
        received.update(bytes)
        receivedBytes += bytes.byteLength
      }
    })()
    try {
      for (let off = 0; off < size; off += SEND_CHUNK) {
        if (!stream.send(payload.subarray(off, Math.min(size, off + SEND_CHUNK)))) await stream.onDrain({ signal })
      }
      await stream.close({ signal })
      await reading
    } catch (err) {
      stream.abort(err)
      await reading.catch(() => {})
      throw err
    }
    return { stream: stream.id, connection: conn.id, sentBytes: size, receivedBytes, sentSha256: sentHash, receivedSha256: received.digest('hex') }
  }

  // Our own perf server (libp2p perf spec; @libp2p/perf is not a dependency).
  const perfZeros = new Uint8Array(SEND_CHUNK)
  async function sendZeros (stream, total, signal) {
    for (let left = total; left > 0;) {
      const n = Math.min(left, SEND_CHUNK)
      if (!stream.send(n === SEND_CHUNK ? perfZeros : perfZeros.subarray(0, n))) await stream.onDrain({ signal })
      left -= n
    }
  }
  async function perfServe (stream) {
    try {
      const header = new Uint8Array(8)
      let headerFill = 0
      for await (const chunk of stream) {
        if (headerFill < 8) {
          const bytes = chunk.subarray()
          const n = Math.min(8 - headerFill, bytes.byteLength)
          header.set(bytes.subarray(0, n), headerFill)
          headerFill += n
        }
        // the upload is discarded
      }
      if (headerFill < 8) throw new Error(`expected an 8-byte perf header, got ${headerFill} bytes`)
      const toSend = new DataView(header.buffer).getBigUint64(0, false)
      if (toSend > BigInt(MAX_PERF_BYTES)) throw new Error(`perf request of ${toSend} bytes exceeds ${MAX_PERF_BYTES}`)
      await sendZeros(stream, Number(toSend))
      await stream.close()
    } catch (err) {
      log('perf handler error', err.name, err.message)
      stream.abort(err)
    }
  }
  async function perfRun (conn, upload, download, signal) {
    const stream = await conn.newStream(PERF_PROTOCOL, { signal })
    const start = process.hrtime.bigint()
    let received = 0
    const reading = (async () => {
      for await (const chunk of stream) received += chunk.byteLength
    })()
    const header = new Uint8Array(8)
    new DataView(header.buffer).setBigUint64(0, BigInt(download), false)
    try {
      if (!stream.send(header)) await stream.onDrain({ signal })
      await sendZeros(stream, upload, signal)
      const uploaded = process.hrtime.bigint()
      await stream.close({ signal })
      await reading
      const end = process.hrtime.bigint()
      if (received !== download) throw new Error(`perf server sent ${received} bytes, expected ${download}`)
      return { connection: conn.id, uploadBytes: upload, downloadBytes: received, uploadMs: Number(uploaded - start) / 1e6, totalMs: Number(end - start) / 1e6 }
    } catch (err) {
      stream.abort(err)
      await reading.catch(() => {})
      throw err
    }
  }
  // `count` round trips of 32 bytes on one ping stream, each timed on its own.
  async function pingRtts (conn, count, signal) {
    const stream = await conn.newStream(PING_PROTOCOL, { signal })
    const it = stream[Symbol.asyncIterator]()
    const rtts = []
    try {
      for (let i = 0; i < count; i++) {
        const payload = randomBytes(PING_SIZE)
        const start = process.hrtime.bigint()
        if (!stream.send(payload)) await stream.onDrain({ signal })
        let got = 0
        while (got < PING_SIZE) {
          const r = await it.next()
          if (r.done) throw new Error(`ping stream ended after ${got} of ${PING_SIZE} bytes`)
          got += r.value.byteLength
        }
        rtts.push(Number(process.hrtime.bigint() - start) / 1e6)
      }
      await stream.close({ signal }).catch(() => {})
    } catch (err) {
      stream.abort(err)
      throw err
    }
    return { connection: conn.id, rttsMs: rtts }
  }

  const handlers = {
    async info () {
      return {
        peerId: node.peerId.toString(),
        addrs: node.getMultiaddrs().map(a => a.toString()),
        protocols: node.getProtocols(),
        muxers: opts.muxers,
        publicKey: hex(publicKeyToProtobuf(privateKey.publicKey)),
        privateKey: hex(privateKeyToProtobuf(privateKey))
      }
    },
    async dial (cmd, signal) {
      const conn = await node.dial(multiaddr(cmd.addr), { signal, force: cmd.force === true })
      return {
        connection: conn.id,
        remotePeer: conn.remotePeer.toString(),
        muxer: conn.multiplexer ?? null,
        encryption: conn.encryption ?? null,
        direction: conn.direction,
        connections: node.getConnections(conn.remotePeer).map(connectionInfo)
      }
    },
    async newKey () {
      // A fresh identity, e.g. for a /p2p/ id that no running peer owns.
      const key = await generateKeyPair('Ed25519')
      return { peerId: peerIdFromPrivateKey(key).toString(), privateKey: hex(privateKeyToProtobuf(key)), publicKey: hex(publicKeyToProtobuf(key.publicKey)) }
    },
    async connections (cmd) {
      const conns = cmd.peer != null ? node.getConnections(peerIdFromString(cmd.peer)) : node.getConnections()
      return { connections: conns.map(connectionInfo) }
    },
    async ping (cmd, signal) {
      const to = cmd.connection != null
        ? findConnection(cmd.connection)?.remoteAddr
        : (cmd.addr != null ? multiaddr(cmd.addr) : peerIdFromString(cmd.peer))
      if (to == null) throw new Error(`no open connection with id ${cmd.connection}`)
      const rttMs = await node.services.ping.ping(to, { signal })
      return { rttMs }
    },
    async identify (cmd, signal) {
      const conn = await target(cmd, signal)
      const r = await node.services.identify.identify(conn, { signal })
      return {
        connection: conn.id,
        peer: r.peerId.toString(),
        protocolVersion: r.protocolVersion ?? null,
        agentVersion: r.agentVersion ?? null,
        publicKey: r.publicKey != null ? hex(r.publicKey) : null,
        listenAddrs: (r.listenAddrs ?? []).map(a => a.toString()),
        observedAddr: r.observedAddr != null ? r.observedAddr.toString() : null,
        protocols: r.protocols ?? [],
        signedPeerRecord: r.signedPeerRecord != null
          ? { seq: r.signedPeerRecord.seq.toString(), addresses: r.signedPeerRecord.addresses.map(a => a.toString()) }
          : null
      }
    },
    async echo (cmd, signal) {
      const size = cmd.size ?? 0
      const count = cmd.streams ?? 1
      if (!Number.isInteger(size) || size < 0) throw new Error('"size" must be a non-negative integer')
      if (!Number.isInteger(count) || count < 1 || count > ECHO_MAX_STREAMS) throw new Error(`"streams" must be 1..${ECHO_MAX_STREAMS}`)
      const conn = await target(cmd, signal)
      const results = await Promise.all(Array.from({ length: count }, () => echoOne(conn, size, signal)))
      return { connection: conn.id, muxer: conn.multiplexer ?? null, streams: results }
    },
    async openStream (cmd, signal) {
      // Negotiates a protocol and closes the stream: for protocol-selection tests.
      const conn = await target(cmd, signal)
      const protocols = Array.isArray(cmd.protocols) ? cmd.protocols : [cmd.protocol]
      const stream = await conn.newStream(protocols, { signal })
      const protocol = stream.protocol
      await stream.close({ signal }).catch(() => {})
      stream.abort(new Error('done'))
      return { connection: conn.id, protocol }
    },
    async handle (cmd) {
      // An echo handler under any protocol id. Changing our protocols makes js
      // send an identify push (1 s debounce) to peers that announced
      // /ipfs/id/push/1.0.0.
      await node.handle(cmd.protocol, echoHandler(cmd.protocol), handlerLimits)
      return { protocols: node.getProtocols() }
    },
    async unhandle (cmd) {
      await node.unhandle(cmd.protocol)
      return { protocols: node.getProtocols() }
    },
    async push () {
      if (node.services.identifyPush == null) throw new Error('identify push is disabled (--no-identify-push)')
      await node.services.identifyPush.push()
      return {}
    },
    async waitEvent (cmd, signal) {
      // Resolves with the first recorded event (past or future) matching the
      // filter: type, peer, protocol (in the event's protocols), since (seq).
      const past = events.find(e => eventMatches(e, cmd))
      if (past != null) return { event: past }
      return await new Promise((resolve, reject) => {
        const waiter = (event) => {
          if (!eventMatches(event, cmd)) return
          eventWaiters.delete(waiter)
          resolve({ event })
        }
        eventWaiters.add(waiter)
        signal.addEventListener('abort', () => {
          eventWaiters.delete(waiter)
          reject(Object.assign(new Error(`no matching event: ${JSON.stringify(cmd)}`), { name: 'TimeoutError' }))
        }, { once: true })
      })
    },
    async closeConnection (cmd, signal) {
      const c = findConnection(cmd.connection)
      if (c == null) throw new Error(`no open connection with id ${cmd.connection}`)
      await c.close({ signal })
      return {}
    },
    async hangup (cmd, signal) {
      await node.hangUp(peerIdFromString(cmd.peer), { signal })
      return { connections: node.getConnections(peerIdFromString(cmd.peer)).map(connectionInfo) }
    },
    async events (cmd) {
      return { events: events.filter(e => eventMatches(e, cmd)), nextSeq: nextEventSeq }
    },
    async servePerf () {
      // Registers our /perf/1.0.0 server (off by default: it sends what a remote asks).
      // Idempotent: a second call leaves the handler in place.
      if (!node.getProtocols().includes(PERF_PROTOCOL)) await node.handle(PERF_PROTOCOL, perfServe, { maxInboundStreams: ECHO_MAX_STREAMS, maxOutboundStreams: ECHO_MAX_STREAMS })
      return { protocols: node.getProtocols() }
    },
    async perf (cmd, signal) {
      const upload = cmd.upload ?? 0
      const download = cmd.download ?? 0
      for (const [k, v] of [['upload', upload], ['download', download]]) {
        if (!Number.isSafeInteger(v) || v < 0 || v > MAX_PERF_BYTES) throw new Error(`"${k}" must be an integer in 0..${MAX_PERF_BYTES}`)
      }
      const conn = await target(cmd, signal)
      return await perfRun(conn, upload, download, signal)
    },
    async pingRtts (cmd, signal) {
      const count = cmd.count ?? 1
      if (!Number.isInteger(count) || count < 1 || count > MAX_PING_COUNT) throw new Error(`"count" must be 1..${MAX_PING_COUNT}`)
      const conn = await target(cmd, signal)
      return await pingRtts(conn, count, signal)
    },
    async echoRate (cmd, signal) {
      // An open loop of echo streams: one started every 1000 / rate ms for durationMs, whatever
      // became of the earlier ones, then all awaited; each one's latency, failed ones at their
      // failure (the bench's stall scenario, where a stuck call must not hold back the next).
      const size = cmd.size ?? 0
      const rate = cmd.rate ?? 10
      const durationMs = cmd.durationMs ?? 1000
      if (!Number.isInteger(size) || size < 0) throw new Error('"size" must be a non-negative integer')
      if (!(rate > 0 && rate <= 1000)) throw new Error('"rate" must be in (0, 1000] per second')
      if (!(durationMs > 0 && durationMs <= 600_000)) throw new Error('"durationMs" must be in (0, 600000]')
      const conn = await target(cmd, signal)
      const period = 1000 / rate
      const total = Math.max(1, Math.floor(durationMs / period))
      if (total > ECHO_MAX_STREAMS * 100) throw new Error(`at most ${ECHO_MAX_STREAMS * 100} calls`)
      const calls = []
      const start = performance.now()
      for (let i = 0; i < total; i++) {
        const wait = start + i * period - performance.now()
        if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
        const t0 = performance.now()
        calls.push(echoOne(conn, size, signal).then(
          () => ({ ms: performance.now() - t0, ok: true }),
          (err) => ({ ms: performance.now() - t0, ok: false, error: `${err?.name}: ${err?.message}` })))
      }
      const results = await Promise.all(calls)
      const failures = results.filter(r => !r.ok)
      return { connection: conn.id, latenciesMs: results.map(r => r.ms), failed: failures.length, firstError: failures[0]?.error ?? null }
    },
    async dialMany (cmd, signal) {
      // Full connection establishments against one address, each closed once up:
      // `concurrency` dials in flight until `count` are done or `seconds` pass.
      const count = cmd.count ?? 1
      const concurrency = cmd.concurrency ?? 1
      const seconds = cmd.seconds ?? 10
      if (!Number.isInteger(count) || count < 1 || count > MAX_DIAL_COUNT) throw new Error(`"count" must be 1..${MAX_DIAL_COUNT}`)
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new Error('"concurrency" must be 1..256')
      if (!(seconds > 0 && seconds <= 600)) throw new Error('"seconds" must be in (0, 600]')
      const ma = multiaddr(cmd.addr)
      // One dialer node per dial in flight: a js-libp2p node joins dials to a peer that overlap
      // into one, so dials from a single node would measure one establishment at a time.
      const dialers = await Promise.all(Array.from({ length: concurrency }, async () =>
        createLibp2p({ ...config, privateKey: await generateKeyPair('Ed25519'), addresses: { listen: [] }, metrics: undefined })))
      try {
        await Promise.all(dialers.map(d => d.start()))
        const deadline = Date.now() + seconds * 1000
        let started = 0
        let done = 0
        const ids = new Set()
        const t0 = process.hrtime.bigint()
        const worker = async (dialer) => {
          while (started < count && Date.now() < deadline) {
            started++
            const c = await dialer.dial(ma, { signal, force: true })
            done++
            ids.add(c.id)
            await c.close().catch(() => {})
          }
        }
        await Promise.all(dialers.map(worker))
        return { connections: done, distinct: ids.size, elapsedMs: Number(process.hrtime.bigint() - t0) / 1e6 }
      } finally {
        await Promise.all(dialers.map(d => d.stop().catch(() => {})))
      }
    },
    async stop () {
      await node.stop()
      return {}
    }
  }

  const write = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

  process.stdout.write('READY ' + JSON.stringify({
    peerId: node.peerId.toString(),
    addrs: node.getMultiaddrs().map(a => a.toString()),
    publicKey: hex(publicKeyToProtobuf(privateKey.publicKey)),
    muxers: opts.muxers,
    agentVersion: config.nodeInfo.userAgent
  }) + '\n')

  let stopping = false
  const rl = createInterface({ input: process.stdin, terminal: false })
  rl.on('line', (line) => {
    if (line.trim().length === 0) return
    let cmd
    try {
      cmd = JSON.parse(line)
    } catch (err) {
      write({ id: null, ok: false, error: `unparsable command: ${err.message}`, name: 'SyntaxError' })
      return
    }
    const handler = handlers[cmd.cmd]
    if (handler == null) {
      write({ id: cmd.id ?? null, ok: false, error: `unknown command ${cmd.cmd}`, name: 'UnknownCommandError' })
      return
    }
    const signal = AbortSignal.timeout(cmd.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    // One command may hand its signal to hundreds of concurrent streams.
    setMaxListeners(Infinity, signal)
    handler(cmd, signal).then(
      (result) => write({ id: cmd.id ?? null, ok: true, ...result }),
      (err) => {
        log(`command ${cmd.cmd} failed:`, err?.name, err?.message)
        write({ id: cmd.id ?? null, ok: false, ...errorInfo(err) })
      }
    ).finally(() => {
      if (cmd.cmd === 'stop') {
        stopping = true
        process.exit(0)
      }
    })
  })
  rl.on('close', async () => {
    // The controlling process went away: do not linger as an orphan.
    if (stopping) return
    log('stdin closed, stopping')
    await node.stop().catch(() => {})
    process.exit(0)
  })
}

main().catch((err) => {
  log('fatal', err?.stack ?? String(err))
  process.exit(1)
})
