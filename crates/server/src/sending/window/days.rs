//! A set of weekdays, as a sending window lists them.

use chrono::Weekday;

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekDays(pub(super) u8);

impl WeekDays {
    pub const ALL: WeekDays = WeekDays(0b111_1111);
    pub const NONE: WeekDays = WeekDays(0);

    pub fn with(self, day: Weekday) -> WeekDays {
        WeekDays(self.0 | 1 << day.num_days_from_monday())
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Monday first.
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        (0..7u8)
            .map(|i| Weekday::try_from(i).expect("0..7 are weekdays"))
            .filter(move |d| self.contains(*d))
    }
}

impl FromIterator<Weekday> for WeekDays {
    fn from_iter<I: IntoIterator<Item = Weekday>>(iter: I) -> Self {
        iter.into_iter().fold(WeekDays::NONE, WeekDays::with)
    }
}
