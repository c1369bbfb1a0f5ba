"""The CloudFormation template of the scheduled reminder job: a Lambda function running
sm_teamkit.admin.lambda_handler (this package, from a zip in S3), an EventBridge schedule,
its log group and a role with only what the job does. The job's limits and tag key default to
the config's (c.SmTeamkit.nudge_hours, admin_email_tag_key) of whoever prints the template."""

from __future__ import annotations

import json

HANDLER = "sm_teamkit.admin.lambda_handler.handler"


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


def template(nudge_hours: dict[str, float], email_tag_key: str) -> dict:
    sm = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}"
    function_name = "sm-teamkit-remind-${DomainId}"
    statements = [
        {
            "Sid": "ReadDomain",
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeDomain"],
            "Resource": _sub(sm + ":domain/${DomainId}"),
        },
        {
            "Sid": "ListDomainApps",
            "Effect": "Allow",
            "Action": ["sagemaker:ListApps", "sagemaker:ListSpaces"],
            "Resource": "*",
        },
        {
            "Sid": "OwnersAndTags",
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeApp", "sagemaker:ListTags"],
            "Resource": [_sub(sm + ":user-profile/${DomainId}/*"), _sub(sm + ":app/${DomainId}/*")],
        },
        # owners' addresses: one search for the user profiles carrying the e-mail tag; also the
        # notebook instances, EMR clusters and monitoring schedules Studio tagged (billables.py)
        {"Sid": "FindOwnersAddresses", "Effect": "Allow", "Action": ["tag:GetResources"], "Resource": "*"},
        {
            "Sid": "ListNotebookInstances",
            "Effect": "Allow",
            "Action": ["sagemaker:ListNotebookInstances"],
            "Resource": "*",
        },
        {
            "Sid": "DescribeOtherBillables",
            "Effect": "Allow",
            "Action": [
                "sagemaker:DescribeMonitoringSchedule",
                "sagemaker:DescribeDataQualityJobDefinition",
                "sagemaker:DescribeModelQualityJobDefinition",
                "sagemaker:DescribeModelBiasJobDefinition",
                "sagemaker:DescribeModelExplainabilityJobDefinition",
                "elasticmapreduce:DescribeCluster",
                "elasticmapreduce:ListInstanceGroups",
                "elasticmapreduce:ListInstanceFleets",
            ],
            "Resource": [
                _sub(sm + ":monitoring-schedule/*"),
                *(
                    _sub(sm + f":{k}-job-definition/*")
                    for k in ("data-quality", "model-quality", "model-bias", "model-explainability")
                ),
                _sub("arn:${AWS::Partition}:elasticmapreduce:${AWS::Region}:${AWS::AccountId}:cluster/*"),
            ],
        },
        {
            "Fn::If": [
                "StopEnabled",
                {
                    "Sid": "StopPastHardLimit",
                    "Effect": "Allow",
                    "Action": ["sagemaker:DeleteApp"],
                    "Resource": _sub(sm + ":app/${DomainId}/*"),
                },
                {"Ref": "AWS::NoValue"},
            ]
        },
        {"Sid": "CheckSender", "Effect": "Allow", "Action": ["ses:GetIdentityVerificationAttributes"], "Resource": "*"},
        {
            "Sid": "SendReminders",
            "Effect": "Allow",
            "Action": ["ses:SendEmail"],
            "Resource": _sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"),
        },
        {
            "Sid": "RememberWhatWasSent",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": _sub("arn:${AWS::Partition}:s3:::${StateBucket}/${StateKey}"),
        },
        {
            "Sid": "StateMayBeMissing",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": _sub("arn:${AWS::Partition}:s3:::${StateBucket}"),
            "Condition": {"StringEquals": {"s3:prefix": [{"Ref": "StateKey"}]}},
        },
        # the day's prices from AWS's Price List, written where VPC-only Studio servers read them
        {"Sid": "ReadPrices", "Effect": "Allow", "Action": ["pricing:GetProducts"], "Resource": "*"},
        {
            "Sid": "WriteSharedPrices",
            "Effect": "Allow",
            "Action": ["s3:PutObject"],
            "Resource": _sub("arn:${AWS::Partition}:s3:::${StateBucket}/${PricesKey}"),
        },
        {
            "Fn::If": [
                "WritePricesParameter",
                {
                    "Sid": "WriteSharedPricesParameter",
                    "Effect": "Allow",
                    "Action": ["ssm:PutParameter"],
                    "Resource": _sub(
                        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${PricesParameter}/*"
                    ),
                },
                {"Ref": "AWS::NoValue"},
            ]
        },
        # "billed to you this month" in the e-mails: one Cost Explorer request a day (no resource)
        {"Sid": "ReadBilledCost", "Effect": "Allow", "Action": ["ce:GetCostAndUsage"], "Resource": "*"},
        # "GPU idle N% of the last 24 h" beside GPU apps, where servers publish it (gpu_publish_metrics)
        {
            "Sid": "ReadGpuIdle",
            "Effect": "Allow",
            "Action": ["cloudwatch:ListMetrics", "cloudwatch:GetMetricData"],
            "Resource": "*",
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": ["LogGroup", "Arn"]},
        },
    ]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "sm_teamkit: daily e-mail reminders about SageMaker Studio apps left running "
        "(and, optionally, stops past a hard limit).",
        "Parameters": {
            "DomainId": {
                "Type": "String",
                "AllowedPattern": "d-[a-z0-9]{12}",
                "Description": "The SageMaker domain to watch.",
            },
            "Sender": {
                "Type": "String",
                "MinLength": 3,
                "Description": "From address; an SES-verified identity (address or its domain).",
            },
            "Schedule": {
                "Type": "String",
                "Default": "cron(0 7 ? * MON-FRI *)",
                "Description": "EventBridge schedule expression (UTC).",
            },
            "StateBucket": {
                "Type": "String",
                "MinLength": 3,
                "Description": "Bucket of the state object that remembers today's reminders.",
            },
            "StateKey": {
                "Type": "String",
                "Default": "sm-teamkit/reminders.json",
                "Description": "Key of the state object.",
            },
            "PricesKey": {
                "Type": "String",
                "Default": "sm-teamkit/prices.json",
                "Description": "Key (in StateBucket) of the price table the job writes each day; "
                "point c.SmTeamkit.prices_s3_uri at it where Studio cannot reach the Price List.",
            },
            "PricesParameter": {
                "Type": "String",
                "Default": "",
                "AllowedPattern": "^(/[a-zA-Z0-9_.-]+)*$",
                "Description": "SSM parameter path (e.g. /sm-teamkit/prices) under which the job also "
                "writes the day's price table, in 4 KB parts per region; point "
                "c.SmTeamkit.prices_ssm_parameter at it (empty: not written).",
            },
            "StopAfterHours": {
                "Type": "Number",
                "Default": 0,
                "MinValue": 0,
                "Description": "Stop apps running longer than this unless tagged sm-teamkit:keep (0: never stop).",
            },
            "MaxAppHours": {
                "Type": "String",
                "Default": "{}",
                "MinLength": 2,
                "Description": "Hard cap in hours by instance-type pattern, as JSON (c.SmTeamkit.max_app_hours): "
                "apps past it are stopped unless tagged sm-teamkit:keep ({}: none).",
            },
            "EmailTagKey": {
                "Type": "String",
                "Default": email_tag_key,
                "MinLength": 1,
                "Description": "User-profile tag holding the owner's address.",
            },
            "NudgeHours": {
                "Type": "String",
                "Default": json.dumps(nudge_hours, sort_keys=True),
                "MinLength": 2,
                "Description": "Hours after which an app is past its limit, by instance-type "
                "pattern, as JSON (c.SmTeamkit.nudge_hours).",
            },
            "CodeBucket": {
                "Type": "String",
                "MinLength": 3,
                "Description": "Bucket of the zip with the sm_teamkit package (docs/admin.md).",
            },
            "CodeKey": {
                "Type": "String",
                "Default": "sm-teamkit/sm-teamkit-admin.zip",
                "Description": "Key of that zip.",
            },
        },
        # The job may stop apps when either limit is set: StopAfterHours, or a MaxAppHours cap.
        "Conditions": {
            "WritePricesParameter": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PricesParameter"}, ""]}]},
            "StopEnabled": {
                "Fn::Or": [
                    {"Fn::Not": [{"Fn::Equals": [{"Ref": "StopAfterHours"}, 0]}]},
                    {"Fn::Not": [{"Fn::Equals": [{"Ref": "MaxAppHours"}, "{}"]}]},
                ]
            },
        },
        "Resources": {
            "LogGroup": {
                "Type": "AWS::Logs::LogGroup",
                "DeletionPolicy": "Delete",
                "UpdateReplacePolicy": "Delete",
                "Properties": {"LogGroupName": _sub("/aws/lambda/" + function_name), "RetentionInDays": 30},
            },
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "sm-teamkit-remind",
                            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                        }
                    ],
                },
            },
            "Function": {
                "Type": "AWS::Lambda::Function",
                "DependsOn": "LogGroup",
                "Properties": {
                    "FunctionName": _sub(function_name),
                    "Description": "sm_teamkit admin remind",
                    "Runtime": "python3.12",
                    "Handler": HANDLER,
                    "Code": {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}},
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Timeout": 300,
                    "MemorySize": 256,
                    "Environment": {
                        "Variables": {
                            "SM_TEAMKIT_DOMAIN_ID": {"Ref": "DomainId"},
                            "SM_TEAMKIT_SENDER": {"Ref": "Sender"},
                            "SM_TEAMKIT_STATE": _sub("s3://${StateBucket}/${StateKey}"),
                            "SM_TEAMKIT_PRICES_TABLE": _sub("s3://${StateBucket}/${PricesKey}"),
                            "SM_TEAMKIT_PRICES_PARAMETER": {"Ref": "PricesParameter"},
                            "SM_TEAMKIT_STOP_AFTER_HOURS": {"Ref": "StopAfterHours"},
                            "SM_TEAMKIT_EMAIL_TAG_KEY": {"Ref": "EmailTagKey"},
                            "SM_TEAMKIT_NUDGE_HOURS": {"Ref": "NudgeHours"},
                            "SM_TEAMKIT_MAX_APP_HOURS": {"Ref": "MaxAppHours"},
                        }
                    },
                },
            },
            "ScheduleRule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Description": "sm_teamkit reminder schedule",
                    "ScheduleExpression": {"Ref": "Schedule"},
                    "State": "ENABLED",
                    "Targets": [{"Arn": {"Fn::GetAtt": ["Function", "Arn"]}, "Id": "remind"}],
                },
            },
            "SchedulePermission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Ref": "Function"},
                    "Principal": "events.amazonaws.com",
                    "SourceArn": {"Fn::GetAtt": ["ScheduleRule", "Arn"]},
                },
            },
        },
        "Outputs": {
            "FunctionName": {"Value": {"Ref": "Function"}},
            "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}},
        },
    }
