"""Accounts: users, roles, login, profile and password reset."""
