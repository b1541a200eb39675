//! What the made-up groups are called, where they meet, who is in them and
//! what parents write.

pub const TIME_ZONES: [&str; 6] = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
];

/// Local start time and the part of the day it names.
pub const SLOTS: [(&str, &str); 6] = [
    ("09:30", "Morning"),
    ("10:00", "Morning"),
    ("13:00", "Afternoon"),
    ("18:00", "Evening"),
    ("18:30", "Evening"),
    ("19:00", "Evening"),
];

pub const WEEKDAYS: [&str; 6] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

pub const PLACES: [&str; 5] = [
    "Riverside Community Centre, Room 2",
    "Oak Street Library, Meeting Room B",
    "St. Anne's Family Hub",
    "Northgate Primary School, Parents' Room",
    "Harbour Health Centre, Room 4",
];

#[rustfmt::skip]
pub const FIRST_NAMES: [&str; 40] = [
    "Maya", "Daniel", "Priya", "Sam", "Leila", "Tom", "Grace", "Hannah", "Jorge", "Aiko",
    "Amara", "Ben", "Chloe", "Dev", "Elena", "Farid", "Gemma", "Hugo", "Isla", "Jamal",
    "Kofi", "Lena", "Marco", "Nadia", "Omar", "Pia", "Quinn", "Rosa", "Sefa", "Tariq",
    "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe", "Ana", "Liam", "Mei", "Noah",
];

#[rustfmt::skip]
pub const LAST_NAMES: [&str; 40] = [
    "Okafor", "Reyes", "Natarajan", "Whitfield", "Haddad", "Kowalski", "Mensah", "Lindqvist",
    "Alvarez", "Tanaka", "Adeyemi", "Brennan", "Castro", "Dubois", "Eriksen", "Fischer",
    "Garcia", "Hoang", "Ibrahim", "Jensen", "Kim", "Lopez", "Murphy", "Nguyen", "O'Brien",
    "Patel", "Quispe", "Rossi", "Schmidt", "Torres", "Usman", "Varga", "Walsh", "Xu",
    "Yilmaz", "Zhang", "Silva", "Novak", "Costa", "Byrne",
];

pub const NICKNAMES: [&str; 8] = ["Sammy", "Bea", "Jo", "Kit", "Lu", "Max", "Nell", "Ro"];

pub const ANSWERS: [&str; 16] = [
    "On Thursday my daughter showed me a drawing while I was cooking. I stopped and looked, and she beamed.",
    "Bedtime was hard again. I noticed I was rushing her because I was tired, not because she was difficult.",
    "I sat on the floor while he played. He kept bringing me things, like he was checking I was still there.",
    "We had a rough morning and I snapped about shoes. After school I said sorry, and he hugged me.",
    "I noticed my shoulders go up when the kids argue. Just noticing it helped a bit.",
    "Honestly it was a hard week and I didn't manage much. But I read the handout twice.",
    "I tried the pause before answering. Three breaths. It felt silly, and it worked once.",
    "My partner and I talked about how we each grew up. We want different things for bedtime.",
    "He cried at drop-off. I stayed calm and said I'd be back after lunch. He waved at the door.",
    "I named her feeling out loud: \"you're cross the tablet went off\". She stopped shouting.",
    "Ten minutes of play, no phone, every day. We managed five days out of seven.",
    "Grandma was staying, so routines went out of the window. We are back on track now.",
    "I caught myself yelling, then went back and repaired it. That is new for me.",
    "The car is where we talk best. No eye contact, and he tells me about his day.",
    "I wrote down three moments of connection. Most of them were tiny.",
    "Not much to say this week.",
];

pub const REPLIES: [&str; 4] = [
    "Thank you for writing this. Noticing is the first step, and you did it.",
    "That repair after school sounds lovely. See you at the next meeting.",
    "A hard week counts too. Bring this to the group if you like.",
    "Five days out of seven is a real success.",
];
