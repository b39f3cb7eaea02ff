// libp2p 3.x calls Promise.withResolvers, which Node.js only ships from v22.
// This module is imported before anything from libp2p so the shim is in place
// when their modules run (ES module imports evaluate in order).
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
