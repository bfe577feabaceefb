//! Opt-in caps per package (R2), from the `[packages]` config.

use bote_domain::Package;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageCaps {
    pub small: u64,
    pub medium: u64,
    pub large: u64,
}

impl PackageCaps {
    pub fn cap(&self, package: Package) -> u64 {
        match package {
            Package::Small => self.small,
            Package::Medium => self.medium,
            Package::Large => self.large,
        }
    }
}

impl Default for PackageCaps {
    fn default() -> Self {
        Self {
            small: 1_000,
            medium: 10_000,
            large: 100_000,
        }
    }
}
