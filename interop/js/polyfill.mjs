// Shims for Node.js 20, which the interop peer runs on; each module here is
// imported before anything from libp2p so the shims are in place when their
// modules run (ES module imports evaluate in order).
import { WebSocket as WsWebSocket } from 'ws'

// libp2p 3.x calls Promise.withResolvers, which Node.js only ships from v22.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve
    let reject
    const promise = new this((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

// @libp2p/websockets dials with the global WebSocket, which Node.js only ships
// from v22 (v20 hides it behind --experimental-websocket). The `ws` package it
// already depends on (for its listener) has the same browser-style API:
// addEventListener, binaryType 'arraybuffer', bufferedAmount, close events
// with wasClean.
if (typeof globalThis.WebSocket !== 'function') {
  globalThis.WebSocket = WsWebSocket
}
