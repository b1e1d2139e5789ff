"""The web portal (`rrf web`): sign-in, roles, pages. It only calls the service layer."""
