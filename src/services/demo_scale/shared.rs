//! What the scale loader's parts share: the names that mark scale data,
//! the report, and the number mixer that makes varied data repeatable.

pub const TITLE_PREFIX: &str = "Scale #";
pub const EMAIL_DOMAIN: &str = "scale.example";

#[derive(Debug)]
pub struct ScaleReport {
    pub cohorts: usize,
    pub participants: usize,
    pub facilitators: usize,
    pub meetings: usize,
    pub attendance: usize,
    pub reflections: usize,
    /// Every scale facilitator has this password.
    pub password: String,
    pub facilitator_email: String,
    /// A cohort part-way through its course, led by `facilitator_email`.
    pub cohort_id: i64,
    pub cohort_title: String,
    /// A parent of that cohort and a fresh personal link token.
    pub parent_name: String,
    pub parent_token: String,
    /// Whether demo@attune.local (there before) co-facilitates that cohort.
    pub demo_user_added: bool,
}

/// A well-mixed number from two (splitmix64's finaliser): varied data that
/// is the same on every run, without a random number generator.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
