"""The ground floor: helpers every app shares and that import no app of this project."""
