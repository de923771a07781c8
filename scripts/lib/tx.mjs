// Sending transactions and waiting for them, for Node scripts and the web console alike
// (no Node-only imports here).

/**
 * Signs and sends `tx` from `signer` (with signing `options` such as an explicit nonce),
 * resolving once it is in a block with the block hash and the events it emitted; rejects with
 * the decoded module error if dispatch failed.
 */
export function sendAndWaitInBlock(api, tx, signer, options = {}) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    tx.signAndSend(signer, options, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        unsubscribe();
        if (dispatchError.isModule) {
          const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
          reject(new Error(`${section}.${name}: ${docs.join(' ')}`));
        } else {
          reject(new Error(dispatchError.toString()));
        }
        return;
      }
      if (status.isInBlock) {
        unsubscribe();
        resolve({ blockHash: status.asInBlock, events });
      } else if (status.isDropped || status.isInvalid || status.isUsurped) {
        unsubscribe();
        reject(new Error(`transaction ${status.type}`));
      }
    }).then((unsub) => {
      unsubscribe = unsub;
    }, reject);
  });
}
