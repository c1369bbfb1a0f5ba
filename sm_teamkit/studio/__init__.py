"""What Studio says about *here*: who and where this server runs (identity) and its activity."""
