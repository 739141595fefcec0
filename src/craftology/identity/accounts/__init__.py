"""Built-in accounts (embedded identity): users with argon2id passwords, tenant memberships with built-in
or custom roles, invitations, and API tokens that act for a user in a tenant."""
