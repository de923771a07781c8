// What the chain keeps per (auditor, buyer): one `BuyerRecords` item (its trust, the next
// token block's sequence number and the last token block's outcome). A buyer without a
// record has settled nothing with that auditor: its next token block is number 0.

/** The sequence number `buyer`'s next token block with `auditor` must carry. */
export async function nextBlockSeq(api, auditor, buyer) {
  const record = await api.query.micropay.buyerRecords(auditor, buyer);
  return record.isSome ? record.unwrap().nextSeq.toNumber() : 0;
}

/** The outcome of `buyer`'s last token block with `auditor` (a `TokenBlockSummary`), or null. */
export async function lastTokenBlock(api, auditor, buyer) {
  const record = await api.query.micropay.buyerRecords(auditor, buyer);
  if (record.isNone || record.unwrap().last.isNone) return null;
  return record.unwrap().last.unwrap();
}
