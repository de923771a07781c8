// The load generator's own connection to the desk: one WebSocket carrying
// `micropay_submitPurchase` calls whose parameters were serialized to JSON once, ahead of time.
//
// Why not the @polkadot/api provider the other scripts use: at 2,000 purchases/s it kept every
// prepared request as a tree of objects (140,000 of them, tokens included) and serialized each
// on sending, and the collector's full pauses of this process (seen as it taking 1.4 to 1.6
// cores for a quarter of a second, with the node idle) were counted as the desk's latency:
// about one slow answer in eight of those over 20 ms in the timeline of stop 23. A request
// kept as one string is one object to the collector, and sending it is a string concatenation.
import WebSocket from 'ws';

/** Connects to `url`; resolves once the socket is open. */
export async function openDeskSocket(url) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const waiting = new Map();
  let nextId = 1;
  socket.on('message', (data) => {
    const reply = JSON.parse(data.toString());
    const pending = waiting.get(reply.id);
    if (!pending) return;
    waiting.delete(reply.id);
    if (reply.error) pending.reject(new Error(`${reply.error.code}: ${reply.error.message}`));
    else pending.resolve(reply.result);
  });
  socket.on('close', () => {
    for (const pending of waiting.values()) pending.reject(new Error('desk socket closed'));
    waiting.clear();
  });
  return {
    /** Sends `params`, a JSON array already serialized; resolves with the desk's answer. */
    submit(params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        socket.send(`{"jsonrpc":"2.0","id":${id},"method":"micropay_submitPurchase","params":${params}}`);
      });
    },
    close() {
      socket.close();
    },
  };
}
