"""Template tags of objections and credit repair, for pages of other apps that show records."""
