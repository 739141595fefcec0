"""Projects: settings, cards and shots, with validation and revision history."""
