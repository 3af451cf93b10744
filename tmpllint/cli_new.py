"""`tmpllint new`: reference templates and whole projects for the notes' patterns."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Optional

import typer

from tmpllint.cli_common import EXIT_OK, _fail

new_app = typer.Typer(
    help="Write a reference template that already passes the gate "
    "(`tmpllint new --list` shows the patterns).",
    invoke_without_command=True, no_args_is_help=False)


@new_app.callback()
def new_main(
    context: typer.Context,
    list_patterns: bool = typer.Option(False, "--list", help="List the patterns and exit."),
) -> None:
    """Write a reference template that already passes the gate."""
    from tmpllint import prompts
    from tmpllint.generators import PATTERNS

    if not list_patterns and context.invoked_subcommand is None and prompts.interactive():
        pattern, folder = prompts.choose_pattern(PATTERNS)
        command = context.command.get_command(context, pattern)
        code = command.main(args=["--project", folder] if folder else [], standalone_mode=False,
                            prog_name=f"tmpllint new {pattern}")
        raise typer.Exit(code if isinstance(code, int) else EXIT_OK)
    if list_patterns or context.invoked_subcommand is None:
        for name, module in PATTERNS.items():
            typer.echo(f"{name:<16} {module.SUMMARY} (notes {', '.join(module.SEEDS)})")
        raise typer.Exit(EXIT_OK)


def _write_template(pattern: str, options, out: Optional[str], force: bool,
                    project: Optional[str] = None) -> None:
    """Print the template, or write it to `out` atomically (refusing to overwrite
    without --force), or write the project folder `project`."""
    import os

    from tmpllint.generators import render

    if project is not None:
        if out is not None:
            _fail("--out and --project exclude each other (the project's template is DIR/template.yaml)")
        _write_project(pattern, options, project, force)
        return
    try:
        text = render(pattern, options)
    except ValueError as err:
        _fail(str(err))
    if out is None:
        sys.stdout.write(text)
        return
    target = os.path.abspath(out)
    if os.path.exists(target) and not force:
        _fail(f"{out} exists; pass --force to overwrite it")
    from tmpllint.atomic import write_text_atomic

    try:
        write_text_atomic(target, text, prefix=".tmpllint-new-")
    except OSError as err:
        _fail(f"cannot write {out}: {err.strerror}")
    typer.echo(f"tmpllint: wrote {out}", err=True)


def _write_project(pattern: str, options, folder: str, force: bool) -> None:
    from tmpllint.generators.project import ProjectError, write_project

    try:
        written = write_project(pattern, options, folder, force)
    except (ProjectError, ValueError, FileExistsError) as err:
        _fail(str(err))
    except OSError as err:
        _fail(f"cannot write {folder}: {err.strerror}")
    typer.echo(f"tmpllint: wrote {len(written)} files to {folder} (see {folder}/README.md)", err=True)


AZS_HELP = ("Availability Zones to span (2 or 3). 3 needs a region where the account sees three "
            "zones: in us-west-1 new accounts see two, and the template refuses to deploy there.")
OUT = typer.Option(None, "--out", "-o", metavar="FILE", help="Write to FILE (default: stdout).")
FORCE = typer.Option(False, "--force", help="Overwrite FILE if it exists (with --project: the "
                     "project's files in a non-empty DIR; other files are kept).")
PROJECT = typer.Option(None, "--project", metavar="DIR",
                       help="Write a whole project into DIR: template.yaml, Python handlers and "
                            "their tests, deploy configuration, README, pre-commit and CI.")


@new_app.command("vpc")
def new_vpc(
    context: typer.Context,
    azs: int = typer.Option(2, "--azs", min=2, max=3, help=AZS_HELP),
    data_subnets: bool = typer.Option(False, "--data-subnets",
                                      help="Add isolated data subnets (no route out of the VPC)."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """VPC over 2 or 3 AZs: public and private (and data) subnets, a NAT gateway per AZ,
    flow logs, S3/DynamoDB gateway endpoints, a default security group without rules
    (notes 001:2869-2899, 002:382-430)."""
    from tmpllint import prompts
    from tmpllint.generators.vpc import Options

    given = prompts.ask(context, azs=azs, data_subnets=data_subnets)
    _write_template("vpc", Options(**given), out, force, project)


class DbEngine(str, Enum):
    postgres = "postgres"
    mysql = "mysql"


@new_app.command("three-tier")
def new_three_tier(
    context: typer.Context,
    azs: int = typer.Option(2, "--azs", min=2, max=3, help=AZS_HELP),
    db_engine: DbEngine = typer.Option(DbEngine.postgres, "--db-engine", help="RDS engine."),
    cache: bool = typer.Option(False, "--cache", help="Add a Multi-AZ Redis replication group."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """The vpc layout plus an HTTPS ALB, an Auto Scaling group in the private subnets
    (a placeholder app serving HealthCheckPath on AppPort, signals, rolling updates,
    target tracking), a Multi-AZ encrypted RDS database in isolated data subnets and
    optional Redis; security groups chained ALB -> app -> data. Deployers provide an ACM
    certificate ARN (notes 002:419-427, 000:968-976)."""
    from tmpllint import prompts
    from tmpllint.generators.three_tier import Options

    given = prompts.ask(context, azs=azs, db_engine=db_engine, cache=cache)
    _write_template("three-tier", Options(azs=given["azs"], db_engine=given["db_engine"].value,
                                          cache=given["cache"]), out, force, project)


@new_app.command("static-site")
def new_static_site(
    context: typer.Context,
    custom_domain: bool = typer.Option(
        False, "--custom-domain",
        help="Add DomainName, CertificateArn (ACM, us-east-1) and HostedZoneId parameters, "
             "TLS 1.2 minimum and the Route 53 A/AAAA alias records."),
    spa: bool = typer.Option(False, "--spa", help="Single-page application: unknown paths serve "
                             "/index.html (else missing files answer 404 with /404.html)."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """Private S3 bucket served by CloudFront through Origin Access Control: HTTPS only
    (TLS 1.2+ with --custom-domain; the default certificate allows TLSv1), HSTS and
    security headers, IPv6, access logs (notes 001:1051, 002:467, 004:6937-7051)."""
    from tmpllint import prompts
    from tmpllint.generators.static_site import Options

    given = prompts.ask(context, custom_domain=custom_domain, spa=spa)
    _write_template("static-site", Options(**given), out, force, project)


class Runtime(str, Enum):
    """Lambda runtimes the patterns offer; nodejs20.x is not one since its deprecation on
    2026-04-30 (cfn-lint W2531 would fail the generated template)."""
    python313 = "python3.13"
    python312 = "python3.12"
    nodejs22 = "nodejs22.x"
    java21 = "java21"


class ApiKind(str, Enum):
    http = "http"
    rest = "rest"


class AuthKind(str, Enum):
    cognito = "cognito"
    iam = "iam"


@new_app.command("serverless-api")
def new_serverless_api(
    context: typer.Context,
    api: ApiKind = typer.Option(ApiKind.http, "--api", help="HTTP API or REST API."),
    auth: AuthKind = typer.Option(AuthKind.cognito, "--auth",
                                  help="Cognito user pool (created) or IAM authorization."),
    runtime: Runtime = typer.Option(Runtime.python312, "--runtime", help="Lambda runtime."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """SAM API with a default authorizer, CORS for AllowedOrigin, traced Lambda functions
    with SAM policy templates scoped to a DynamoDB table (point-in-time recovery,
    retained), access logs; REST APIs set the account's API Gateway CloudWatch role
    (CreateApiGatewayAccountRole). Code folders: listItems/ and createItem/
    (notes 000:285-322, 000:476-490, 002:1520-1540)."""
    from tmpllint import prompts
    from tmpllint.generators.serverless_api import Options

    given = prompts.ask(context, api=api, auth=auth, runtime=runtime)
    _write_template("serverless-api", Options(**{name: value.value for name, value in given.items()}),
                    out, force, project)


@new_app.command("fanout")
def new_fanout(
    context: typer.Context,
    queues: int = typer.Option(2, "--queues", min=1, max=10, help="Queues (and consumers) fed by the topic."),
    runtime: Runtime = typer.Option(Runtime.python312, "--runtime", help="Lambda runtime of the consumers."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """SNS topic (customer managed KMS key) fanned out to SQS queues, each with a
    dead-letter queue, alarms on dead letters and message age, and a traced Lambda
    consumer reporting partial batch failures. Code folders: consumer1/ ... consumerN/
    (notes 000:414-470, 000:1000-1004)."""
    from tmpllint import prompts
    from tmpllint.generators.fanout import Options

    given = prompts.ask(context, queues=queues, runtime=runtime)
    _write_template("fanout", Options(queues=given["queues"], runtime=given["runtime"].value),
                    out, force, project)


class WorkflowType(str, Enum):
    standard = "standard"
    express = "express"


class WorkflowTrigger(str, Enum):
    none = "none"
    schedule = "schedule"


@new_app.command("workflow")
def new_workflow(
    context: typer.Context,
    type: WorkflowType = typer.Option(
        WorkflowType.standard, "--type",
        help="standard: exactly-once, up to a year (here 1 hour), execution history kept; "
             "express: at-least-once, at most 5 minutes, every event logged with its data."),
    trigger: WorkflowTrigger = typer.Option(
        WorkflowTrigger.none, "--trigger",
        help="none: callers start executions (output StateMachineArn); schedule: EventBridge "
             "starts one on ScheduleExpression (default rate(1 hour))."),
    runtime: Runtime = typer.Option(Runtime.python312, "--runtime", help="Lambda runtime of the steps."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """Step Functions state machine of Lambda steps (Validate -> Process -> Notify), Retry
    and Catch on every task, failed executions in a KMS-encrypted dead-letter queue
    (Standard: timeouts and stops too, through EventBridge), logs and X-Ray tracing,
    alarms on failures, timeouts and dead letters. Code folders: validate/, process/,
    notify/ (notes 000:395-404, 002:1602-1610, 003:1322-1335, 004:1627-1660)."""
    from tmpllint import prompts
    from tmpllint.generators.workflow import Options

    given = prompts.ask(context, type=type, trigger=trigger, runtime=runtime)
    _write_template("workflow", Options(**{name: value.value for name, value in given.items()}),
                    out, force, project)


class EventTargets(str, Enum):
    both = "both"
    queue = "queue"
    function = "function"


@new_app.command("event-driven")
def new_event_driven(
    context: typer.Context,
    targets: EventTargets = typer.Option(
        EventTargets.both, "--targets",
        help="What the rule delivers to: an SQS queue with a consumer function, a function "
             "invoked asynchronously (OnFailure queue), or both."),
    schema_registry: bool = typer.Option(
        False, "--schema-registry",
        help="Add a schema registry with the JSON Schema of the routed event (no discoverer: "
             "discovery does not work on a bus encrypted with a customer managed key)."),
    runtime: Runtime = typer.Option(Runtime.python312, "--runtime", help="Lambda runtime of the functions."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """Custom EventBridge bus encrypted with a customer managed key, an archive for replay,
    a rule whose input transformer feeds its targets (an SQS queue with a DLQ and a consumer
    reporting partial batch failures; a Lambda function with bounded async retries and an
    OnFailure queue), target retry policies and a dead-letter queue, alarms. Code folders:
    queueConsumer/ and eventHandler/ (notes 000:321-324, 001:2219-2235, 003:859-873)."""
    from tmpllint import prompts
    from tmpllint.generators.event_driven import Options

    given = prompts.ask(context, targets=targets, schema_registry=schema_registry, runtime=runtime)
    _write_template("event-driven", Options(targets=given["targets"].value,
                                            schema_registry=given["schema_registry"],
                                            runtime=given["runtime"].value), out, force, project)


class StreamMode(str, Enum):
    on_demand = "on-demand"
    provisioned = "provisioned"


class FailureDestination(str, Enum):
    sqs = "sqs"
    sns = "sns"


@new_app.command("stream")
def new_stream(
    context: typer.Context,
    mode: StreamMode = typer.Option(StreamMode.on_demand, "--mode",
                                    help="Stream capacity: on-demand, or provisioned shards "
                                         "(a ShardCount parameter)."),
    firehose: bool = typer.Option(True, "--firehose/--no-firehose",
                                  help="Add a Firehose delivery stream archiving the stream to "
                                       "an encrypted, lifecycle-managed S3 bucket."),
    destination: FailureDestination = typer.Option(
        FailureDestination.sqs, "--destination",
        help="Where the processor's failed batches are described: an SQS queue or an SNS topic."),
    runtime: Runtime = typer.Option(Runtime.python312, "--runtime",
                                    help="Lambda runtime of the processor (not nodejs20.x: deprecated)."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """Kinesis data stream (customer managed KMS key, retained, replayable) consumed by a
    traced Lambda function writing each record to DynamoDB (point-in-time recovery); a
    failing batch is bisected, retried 3 times at most and described in an SQS queue or
    SNS topic; optional Firehose archive to an encrypted, versioned, TLS-only S3 bucket
    with access logs and lifecycle rules; alarms on iterator age, failed batches,
    throttled writes and delivery freshness. Code folder: processor/
    (notes 000:198-214, 002:1195-1237, 001:1363-1399)."""
    from tmpllint import prompts
    from tmpllint.generators.stream import Options

    given = prompts.ask(context, mode=mode, firehose=firehose, destination=destination, runtime=runtime)
    _write_template("stream", Options(mode=given["mode"].value, firehose=given["firehose"],
                                      destination=given["destination"].value,
                                      runtime=given["runtime"].value), out, force, project)


@new_app.command("ecs-fargate")
def new_ecs_fargate(
    context: typer.Context,
    azs: int = typer.Option(2, "--azs", min=2, max=3, help=AZS_HELP),
    spot: bool = typer.Option(False, "--spot", help="Run tasks beyond the first on Fargate Spot too "
                              "(1 on FARGATE for 3 on FARGATE_SPOT; the first task always on FARGATE)."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """The vpc layout plus an HTTPS ALB in front of a Fargate service in the private subnets
    (two tasks or more across the AZs, circuit breaker with rollback, CPU target tracking,
    Container Insights), an ECR repository (scan on push, immutable tags, KMS, lifecycle),
    a KMS-encrypted log group, an execution role scoped to that repository and log group and
    an empty task role; the container runs as a non-root user on a read-only root filesystem.
    Until ImageTag names an image pushed to the repository, a public unprivileged nginx
    serves the health check. Deployers provide an ACM certificate ARN
    (notes 001:1469-1525, 002:746-820, 000:353-374)."""
    from tmpllint import prompts
    from tmpllint.generators.ecs_fargate import Options

    given = prompts.ask(context, azs=azs, spot=spot)
    _write_template("ecs-fargate", Options(**given), out, force, project)


class DrStrategy(str, Enum):
    backup_restore = "backup-restore"
    pilot_light = "pilot-light"
    warm_standby = "warm-standby"
    multi_site = "multi-site"


class DrSite(str, Enum):
    primary = "primary"
    recovery = "recovery"


@new_app.command("dr")
def new_dr(
    context: typer.Context,
    strategy: DrStrategy = typer.Option(
        DrStrategy.pilot_light, "--strategy",
        help="backup-restore (RPO/RTO hours), pilot-light (10s of minutes), warm-standby "
             "(minutes) or multi-site (near real-time), as the notes class them (000:889-898)."),
    site: DrSite = typer.Option(DrSite.primary, "--site",
                                help="Which of the two templates to print or --out: the primary "
                                     "or the recovery region's (--project writes both)."),
    out: Optional[str] = OUT,
    force: bool = FORCE,
    project: Optional[str] = PROJECT,
) -> None:
    """Disaster recovery over two regions as a pair of templates, primary and recovery:
    AWS Backup with cross-region copies (backup-restore); the three-tier stack with a
    cross-region read replica and an app tier at zero (pilot-light) or one instance
    (warm-standby) behind Route 53 failover records; or both regions serving from a
    DynamoDB global table behind latency records (multi-site). --project DIR writes
    primary/ and recovery/ templates and a deploy.sh that deploys them in the right order
    into PRIMARY_REGION and RECOVERY_REGION (notes 000:866-899, 001:3100-3130, 001:3209-3229)."""
    from tmpllint import prompts
    from tmpllint.generators.dr import Options

    given = prompts.ask(context, strategy=strategy, site=site)
    _write_template("dr", Options(strategy=given["strategy"].value, site=given["site"].value),
                    out, force, project)
