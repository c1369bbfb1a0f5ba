"""From a laptop: start, open and stop a Studio workspace (``up``, ``open``, ``down``), and the
git credential helper that reads tokens from AWS Secrets Manager (``git-credential``)."""
