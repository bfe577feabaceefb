//! The time-zone select of the settings and admin pages (`zone_select.html`): the server's
//! default first (an empty value), then every IANA name.

use chrono_tz::Tz;

pub struct ZoneChoice {
    /// The chosen name; empty for the server's default.
    pub selected: String,
    pub default_zone: &'static str,
    pub zones: &'static [Tz],
}

impl ZoneChoice {
    pub fn new(selected: &str, default_zone: Tz) -> ZoneChoice {
        ZoneChoice {
            selected: selected.trim().to_owned(),
            default_zone: default_zone.name(),
            zones: &chrono_tz::TZ_VARIANTS,
        }
    }

    pub fn is_selected(&self, zone: &Tz) -> bool {
        zone.name() == self.selected
    }
}
