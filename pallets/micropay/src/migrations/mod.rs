//! Storage migrations of the pallet, one module per storage version they lead to. Each is a
//! [`frame_support::migrations::VersionedMigration`]: it runs once, when the stored version
//! is the one it leads from, and sets the new version.

pub mod v3;
