//! Flesch-Kincaid grade level, so the checker can hold parent handouts to
//! an 8th-grade reading level.
//!
//! grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59
//!
//! Syllables are counted with the usual English vowel-group rules (silent
//! final e, -es/-ed endings, -le). That is an estimate, and a slightly
//! generous one: it counts more syllables than a hyphenation dictionary
//! does, so a text that passes here passes with dictionary-based tools too.

/// The grade of what a parent reads for a session: the handout, the home
/// practice and the reflection prompts (Markdown in, headings left out).
pub fn parent_text_grade(handout: &str, home_practice: &str, prompts: &[String]) -> f64 {
    flesch_kincaid_grade(&format!(
        "{}\n{}\n{}",
        super::markdown::plain_text(handout),
        super::markdown::plain_text(home_practice),
        prompts.join("\n")
    ))
}

/// The grade of a plain text in which each line is a block (paragraph or
/// list item). A block that does not end in `.`, `!` or `?` still ends a
/// sentence.
pub fn flesch_kincaid_grade(text: &str) -> f64 {
    let mut sentences = 0usize;
    let mut words = 0usize;
    let mut syllables = 0usize;
    for block in text.lines() {
        for sentence in block.split_inclusive(['.', '!', '?']) {
            let mut counted = 0usize;
            for word in sentence.split_whitespace() {
                let letters: String = word
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .flat_map(char::to_lowercase)
                    .collect();
                if letters.is_empty() {
                    continue;
                }
                counted += 1;
                syllables += count_syllables(&letters);
            }
            if counted > 0 {
                words += counted;
                sentences += 1;
            }
        }
    }
    if words == 0 {
        return 0.0;
    }
    0.39 * (words as f64 / sentences as f64) + 11.8 * (syllables as f64 / words as f64) - 15.59
}

/// Syllables in one lower-case word of letters.
pub fn count_syllables(word: &str) -> usize {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 3 {
        return 1;
    }
    let is_vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut end = chars.len();
    // Silent endings: "makes", "named", "made" (but not "needed", "table").
    let n = chars.len();
    // A final consonant + "le" is its own syllable ("ta-ble").
    let consonant_le = chars[n - 2] == 'l' && !is_vowel(chars[n - 3]);
    if chars[n - 1] == 'e' && !consonant_le {
        end -= 1;
    } else if (chars[n - 1] == 's' || chars[n - 1] == 'd') && chars[n - 2] == 'e' {
        let before = chars[n - 3];
        let voiced_ending = chars[n - 1] == 'd' && (before == 't' || before == 'd');
        let sibilant = chars[n - 1] == 's' && matches!(before, 's' | 'x' | 'z' | 'c' | 'g' | 'h');
        if !voiced_ending && !sibilant && !is_vowel(before) {
            end -= 2;
        }
    }
    let mut count = 0;
    let mut prev_vowel = false;
    for (i, &c) in chars[..end].iter().enumerate() {
        // A leading y is a consonant ("yes", "you").
        let vowel = is_vowel(c) && !(i == 0 && c == 'y');
        if vowel && !prev_vowel {
            count += 1;
        }
        prev_vowel = vowel;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_common_words() {
        for (word, n) in [
            ("the", 1),
            ("child", 1),
            ("makes", 1),
            ("named", 1),
            ("needed", 2),
            ("table", 2),
            ("parent", 2),
            ("family", 3),
            ("together", 3),
            ("yes", 1),
            ("connection", 3),
            ("responsiveness", 5),
            ("boxes", 2),
        ] {
            assert_eq!(count_syllables(word), n, "{word}");
        }
    }

    #[test]
    fn plain_text_scores_low_and_dense_text_scores_high() {
        let easy = "You are here. Your child is safe. Take a breath. Stay close.";
        let hard = "Attachment-informed interventions demonstrate considerable effectiveness \
                    regarding intergenerational transmission of emotional regulation capacities \
                    throughout developmental trajectories.";
        assert!(flesch_kincaid_grade(easy) < 3.0);
        assert!(flesch_kincaid_grade(hard) > 16.0);
    }

    #[test]
    fn empty_text_is_grade_zero() {
        assert_eq!(flesch_kincaid_grade(""), 0.0);
        assert_eq!(flesch_kincaid_grade("- * -"), 0.0);
    }
}
