-- The organization's local support list (the Help now page, the box on
-- every parent handout) and the country whose emergency number it shows.
CREATE TABLE support_services (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    helps_with TEXT NOT NULL,
    phone TEXT,
    text_number TEXT,
    web TEXT,
    hours TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE support_settings (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    country TEXT NOT NULL,
    emergency_number TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
