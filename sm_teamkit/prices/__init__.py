"""What SageMaker charges per hour, per region, billing kind and instance type: AWS's Price
List (``price_list``), kept on disk and refreshed in the background (``store``), with an S3
table, the shipped table and "price unknown" behind it."""
