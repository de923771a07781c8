//! The micropay pallet: token registry, auditor token blocks, trust and risk.

use crate::Runtime;

impl pallet_micropay::Config for Runtime {}
