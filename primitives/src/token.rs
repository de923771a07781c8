//! Filled by the pallet-core work (token ids, invalidity reasons).
