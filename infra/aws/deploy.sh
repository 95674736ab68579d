#!/usr/bin/env bash
# Deploys gqld to AWS with one command (infra/aws/README.md):
#
#   infra/aws/deploy.sh STACK_NAME ARTIFACT_BUCKET [Parameter=Value ...]
#
# Lambda mode (the default): builds the Lambda package from this checkout
# (infra/docker/build.sh lambda, on Debian 12) for this host's architecture,
# refuses it if Architecture=... says another, uploads it to ARTIFACT_BUCKET
# under its SHA-256 (an unchanged build changes nothing), deploys the stack from
# infra/aws/gqld.yaml, then invokes the function once with {"gqld":"migrate"}.
# Ecs mode (ComputeMode=Ecs): builds nothing (push the image first), deploys,
# then runs the task definition once with the command migrate and waits for it.
# Needs the AWS CLI v2 and credentials allowed to create the stack's resources.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)

if (($# < 2)); then
    sed -n '2,13p' "${BASH_SOURCE[0]}" >&2
    exit 2
fi
stack=$1
bucket=$2
shift 2

die() {
    echo "deploy.sh: $*" >&2
    exit 1
}

# The value a Parameter=Value argument gives, else the default.
param() {
    local name=$1 default=$2 a
    for a in "${overrides[@]}"; do
        [[ $a == "$name="* ]] && default=${a#"$name="}
    done
    echo "$default"
}
overrides=("$@")
mode=$(param ComputeMode Lambda)
arch=$(param Architecture x86_64)

# This host's architecture in Lambda's words: the package is built natively, never cross-compiled.
case $(uname -m) in
x86_64) host_arch=x86_64 ;;
aarch64) host_arch=arm64 ;;
*) die "unsupported build host architecture $(uname -m)" ;;
esac

# Lambda's architecture of the ELF binary in a zip: x86_64 (EM_X86_64 = 62) or arm64 (EM_AARCH64 = 183).
zip_arch() {
    local machine
    machine=$(unzip -p "$1" bootstrap | od -An -t u2 -j 18 -N 2 | tr -d ' ')
    case $machine in
    62) echo x86_64 ;;
    183) echo arm64 ;;
    *) echo "unknown($machine)" ;;
    esac
}

case $mode in
Lambda)
    [[ $arch == "$host_arch" ]] ||
        die "Architecture=$arch but this host builds $host_arch: run deploy.sh on a $arch machine (e.g. a Graviton instance for arm64), or pass Architecture=$host_arch"
    mkdir -p "$here/.build"
    zip=$here/.build/gqld-lambda.zip
    BUILD_DIR=${BUILD_DIR:-$root/build-release} "$root/infra/docker/build.sh" lambda "$zip"
    built=$(zip_arch "$zip")
    [[ $built == "$arch" ]] || die "the package's bootstrap is $built, the stack says Architecture=$arch"
    key=gqld/gqld-lambda-$arch-$(sha256sum "$zip" | cut -c1-64).zip
    if aws s3api head-object --bucket "$bucket" --key "$key" >/dev/null 2>&1; then
        echo "deploy.sh: s3://$bucket/$key is already there (same build)" >&2
    else
        aws s3 cp "$zip" "s3://$bucket/$key"
    fi
    overrides+=("LambdaCodeBucket=$bucket" "LambdaCodeKey=$key")
    ;;
Ecs)
    [[ -n $(param ContainerImage "") ]] || die "ComputeMode=Ecs needs ContainerImage=<ECR image URI> (build and push infra/docker/Dockerfile first)"
    ;;
*) die "ComputeMode must be Lambda or Ecs, not $mode" ;;
esac

# The template is larger than an inline deploy allows: it goes through the bucket.
aws cloudformation deploy --template-file "$here/gqld.yaml" --stack-name "$stack" --s3-bucket "$bucket" \
    --s3-prefix gqld/templates --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    --parameter-overrides "${overrides[@]}"

output() {
    aws cloudformation describe-stacks --stack-name "$stack" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

# The schema migration, from inside the VPC, every deploy (applied migrations are skipped).
case $mode in
Lambda)
    fn=$(output FunctionName)
    answer=$(mktemp)
    trap 'rm -f "$answer"' EXIT
    aws lambda invoke --function-name "$fn" --cli-binary-format raw-in-base64-out \
        --cli-read-timeout 0 --payload '{"gqld":"migrate"}' "$answer" >/dev/null
    grep -q '"ok":true' "$answer" || die "migration failed: $(cat "$answer")"
    echo "deploy.sh: migrate: $(cat "$answer")" >&2
    ;;
Ecs)
    cluster=$(output EcsClusterName)
    task=$(aws ecs run-task --cluster "$cluster" --launch-type FARGATE \
        --task-definition "$(output TaskDefinitionArn)" \
        --network-configuration "awsvpcConfiguration={subnets=[$(output PrivateSubnetIds)],securityGroups=[$(output AppSecurityGroupId)],assignPublicIp=DISABLED}" \
        --overrides '{"containerOverrides":[{"name":"gqld","command":["migrate"]}]}' \
        --query 'tasks[0].taskArn' --output text)
    aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"
    code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
        --query 'tasks[0].containers[0].exitCode' --output text)
    [[ $code == 0 ]] || die "the migrate task exited $code (its log is in /ecs/$stack/gqld)"
    echo "deploy.sh: migrate task $task exited 0" >&2
    ;;
esac
aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs' --output table
