"""Team admin: every user's running apps across a domain, reminder e-mails through SES with a
once-a-day memory, the scheduled-job CloudFormation template and the own-workspace IAM policy.

Pure Python on boto3 only (no traitlets, no Jupyter), so the Lambda job runs the same code."""
