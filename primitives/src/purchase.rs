//! Filled by the pallet-core work (signed purchase payload).
