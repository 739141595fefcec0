"""Who is asking: principals, built-in accounts, sessions and sign-in."""
