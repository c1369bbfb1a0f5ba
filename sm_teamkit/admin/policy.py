"""The own-workspace IAM policy for a Studio user's role: list and describe what the panel
shows, create, stop and open apps only in the user's own profile and the spaces they own
(AWS's documented ``sagemaker:OwnerUserProfileArn`` pattern), plus what sm_teamkit needs."""

from __future__ import annotations

# Studio sets the role session's source identity to the user profile name when the domain has
# ExecutionRoleIdentityConfig=USER_PROFILE_NAME; one role then serves the whole team.
SOURCE_IDENTITY = "${aws:SourceIdentity}"
GPU_NAMESPACE = "SmTeamkit/Gpu"  # apps/gpu.py publishes there (a test keeps the two equal)


def iam_policy(
    domain_id: str,
    region: str = "*",
    account: str = "*",
    user_profile: str = "",
    metric_namespace: str = "SmTeamkit/Storage",
    prices_ssm_parameter: str = "",
) -> dict:
    """The policy document. Without ``user_profile`` the user is the session's source identity;
    with ``prices_ssm_parameter`` servers may read the price table the admin job writes there."""
    user = user_profile or SOURCE_IDENTITY
    arn = f"arn:aws:sagemaker:{region or '*'}:{account or '*'}"
    own_profile = f"{arn}:user-profile/{domain_id}/{user}"
    statements = [
        {
            "Sid": "ListStudio",
            "Effect": "Allow",
            "Action": [
                "sagemaker:ListApps",
                "sagemaker:ListDomains",
                "sagemaker:ListSpaces",
                "sagemaker:ListUserProfiles",
                "sagemaker:ListTags",
                "sagemaker:ListTrainingJobs",
                "sagemaker:ListProcessingJobs",
                "sagemaker:ListTransformJobs",
                "sagemaker:ListEndpoints",
                "sagemaker:ListNotebookInstances",
                "sagemaker:ListMonitoringSchedules",
                "sagemaker:ListMlflowTrackingServers",
                # the panel finds the user's jobs and endpoints by their ownership tags
                "tag:GetResources",
            ],
            "Resource": "*",
        },
        {
            "Sid": "DescribeOwnJobs",
            "Effect": "Allow",
            "Action": [
                "sagemaker:DescribeTrainingJob",
                "sagemaker:DescribeProcessingJob",
                "sagemaker:DescribeTransformJob",
                "sagemaker:DescribeEndpoint",
                "sagemaker:DescribeEndpointConfig",
                "sagemaker:DescribeNotebookInstance",
                "sagemaker:DescribeMonitoringSchedule",
                "sagemaker:DescribeDataQualityJobDefinition",
                "sagemaker:DescribeModelQualityJobDefinition",
                "sagemaker:DescribeModelBiasJobDefinition",
                "sagemaker:DescribeModelExplainabilityJobDefinition",
            ],
            "Resource": [
                f"{arn}:training-job/*",
                f"{arn}:processing-job/*",
                f"{arn}:transform-job/*",
                f"{arn}:endpoint/*",
                f"{arn}:endpoint-config/*",
                f"{arn}:notebook-instance/*",
                f"{arn}:monitoring-schedule/*",
                f"{arn}:data-quality-job-definition/*",
                f"{arn}:model-quality-job-definition/*",
                f"{arn}:model-bias-job-definition/*",
                f"{arn}:model-explainability-job-definition/*",
            ],
        },
        {
            # EMR clusters started from Studio that the panel found by their ownership tags
            "Sid": "DescribeOwnEmrClusters",
            "Effect": "Allow",
            "Action": [
                "elasticmapreduce:DescribeCluster",
                "elasticmapreduce:ListInstanceGroups",
                "elasticmapreduce:ListInstanceFleets",
            ],
            "Resource": f"arn:aws:elasticmapreduce:{region or '*'}:{account or '*'}:cluster/*",
        },
        {
            "Sid": "DescribeInDomain",
            "Effect": "Allow",
            "Action": [
                "sagemaker:DescribeApp",
                "sagemaker:DescribeDomain",
                "sagemaker:DescribeSpace",
                "sagemaker:DescribeUserProfile",
            ],
            "Resource": [
                f"{arn}:domain/{domain_id}",
                f"{arn}:user-profile/{domain_id}/*",
                f"{arn}:space/{domain_id}/*",
                f"{arn}:app/{domain_id}/*",
            ],
        },
        {
            "Sid": "AppsInOwnUserProfile",
            "Effect": "Allow",
            "Action": ["sagemaker:CreateApp", "sagemaker:DeleteApp"],
            "Resource": f"{arn}:app/{domain_id}/{user}/*",
            "Condition": {"Null": {"sagemaker:OwnerUserProfileArn": "true"}},
        },
        {
            "Sid": "AppsInOwnSpaces",
            "Effect": "Allow",
            "Action": ["sagemaker:CreateApp", "sagemaker:DeleteApp"],
            "Resource": f"{arn}:app/{domain_id}/*",
            "Condition": {"ArnLike": {"sagemaker:OwnerUserProfileArn": own_profile}},
        },
        {
            "Sid": "TagWhatStudioCreates",
            "Effect": "Allow",
            "Action": ["sagemaker:AddTags"],
            "Resource": f"{arn}:app/{domain_id}/*",
            "Condition": {"Null": {"sagemaker:TaggingAction": "false"}},
        },
        {
            "Sid": "OpenOwnStudio",
            "Effect": "Allow",
            "Action": ["sagemaker:CreatePresignedDomainUrl"],
            "Resource": own_profile,
        },
        {
            "Sid": "OpenManagedMlflow",
            "Effect": "Allow",
            "Action": ["sagemaker:CreatePresignedMlflowTrackingServerUrl"],
            "Resource": f"{arn}:mlflow-tracking-server/*",
        },
        {
            # SageMaker's prices for this region (pricing:GetProducts takes no resource)
            "Sid": "ReadPrices",
            "Effect": "Allow",
            "Action": ["pricing:GetProducts"],
            "Resource": "*",
        },
        {
            # storage totals (storage_publish_metrics) and GPU idle minutes (gpu_publish_metrics)
            "Sid": "PublishTeamMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": [metric_namespace, GPU_NAMESPACE]}},
        },
    ]
    if prices_ssm_parameter:
        from ..prices.ssm import base_name

        statements.append(
            {
                # the admin job's price table, one path per region (prices_ssm_parameter)
                "Sid": "ReadSharedPricesParameter",
                "Effect": "Allow",
                "Action": ["ssm:GetParametersByPath"],
                "Resource": f"arn:aws:ssm:{region or '*'}:{account or '*'}:parameter{base_name(prices_ssm_parameter)}/*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
