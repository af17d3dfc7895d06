#!/usr/bin/env bash
# Scaffolds a Cohort plugin as a standalone Maven project (./cohort new-plugin; see usage below).
# The project compiles against dev.cohort:dev.cohort.api and takes every dependency and plugin
# version from Cohort's cnf/pom.xml, so it builds with what Cohort's own build already fetched.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TEMPLATES="$ROOT/cnf/templates/plugin"
PARENT_POM="$ROOT/cnf/pom.xml"

usage() {
    cat <<'USAGE'
Usage: ./cohort new-plugin NAME [--listener] [--training-listener] [--reward]
                           [--group GROUP] [--package PACKAGE] [--dir DIR]

Creates a standalone Maven project for a Cohort plugin bundle, outside Cohort's tree: a pom
with bnd-maven-plugin, one Declarative Services component of each kind asked for (a rollout
listener when none is) and a JUnit test of each.

  NAME                 the artifact and listener/reward name: lower case, digits and '-'
  --listener           a RolloutListener: every scored rollout batch of a run
  --training-listener  a TrainingListener: the metrics of every optimizer step
  --reward             a RewardFunction a run selects with reward_funcs: [NAME]
  --group GROUP        Maven groupId (default org.example)
  --package PACKAGE    Java package (default GROUP.NAME without '-')
  --dir DIR            where to create the project (default ./NAME); must not exist or be empty

Build it with `mvn package` (after `mvn install -DskipTests` once in Cohort's folder), then
copy target/NAME-0.1.0-SNAPSHOT.jar into deploy/ or `install file:...` it in ./cohort shell.
USAGE
}

fail() {
    echo "cohort new-plugin: $*" >&2
    echo "Run ./cohort new-plugin --help for the usage." >&2
    exit 2
}

# The value of a <name>...</name> property of cnf/pom.xml.
property() {
    sed -n "s|.*<$1>\(.*\)</$1>.*|\1|p" "$PARENT_POM" | head -n 1
}

# The version managed in cnf/pom.xml for an artifactId, with a ${property} resolved.
managed_version() {
    local version
    version="$(awk -v id="<artifactId>$1</artifactId>" \
        'index($0, id) { found = 1; next } found && /<version>/ { gsub(/.*<version>|<\/version>.*/, ""); print; exit }' \
        "$PARENT_POM")"
    if [[ "$version" =~ ^\$\{(.*)\}$ ]]; then
        version="$(property "${BASH_REMATCH[1]}")"
    fi
    [[ -n "$version" ]] || fail "no version of $1 in $PARENT_POM"
    echo "$version"
}

# CamelCase of a dashed name: reward-logger -> RewardLogger.
class_prefix() {
    local part out=""
    IFS='-' read -ra parts <<< "$1"
    for part in "${parts[@]}"; do
        [[ -n "$part" ]] && out+="$(tr '[:lower:]' '[:upper:]' <<< "${part:0:1}")${part:1}"
    done
    echo "$out"
}

NAME="" GROUP="org.example" PACKAGE="" DIR=""
KINDS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --listener) KINDS+=(listener) ;;
        --training-listener) KINDS+=(training-listener) ;;
        --reward) KINDS+=(reward) ;;
        --group|--package|--dir)
            [[ $# -ge 2 && -n "$2" ]] || fail "$1 needs a value"
            case "$1" in --group) GROUP="$2" ;; --package) PACKAGE="$2" ;; --dir) DIR="$2" ;; esac
            shift ;;
        -*) echo "cohort new-plugin: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        *) [[ -z "$NAME" ]] || fail "one NAME only (got '$NAME' and '$1')"; NAME="$1" ;;
    esac
    shift
done

[[ -n "$NAME" ]] || { usage >&2; exit 2; }
[[ "$NAME" =~ ^[a-z][a-z0-9]*(-[a-z0-9]+)*$ ]] \
    || fail "NAME '$NAME' must be lower case letters and digits, words joined by '-' (e.g. reward-logger)"
JAVA_IDENT='[a-z_][a-z0-9_]*'
[[ "$GROUP" =~ ^$JAVA_IDENT(\.$JAVA_IDENT)*$ ]] || fail "--group '$GROUP' is not a lower-case dotted name"
PACKAGE="${PACKAGE:-$GROUP.${NAME//-/}}"
[[ "$PACKAGE" =~ ^$JAVA_IDENT(\.$JAVA_IDENT)*$ ]] || fail "--package '$PACKAGE' is not a lower-case Java package name"
DIR="${DIR:-$NAME}"
if [[ -e "$DIR" ]] && [[ -n "$(ls -A "$DIR" 2>/dev/null)" || ! -d "$DIR" ]]; then
    fail "$DIR already exists and is not an empty folder; choose another with --dir"
fi
[[ ${#KINDS[@]} -gt 0 ]] || KINDS=(listener)

CLASS="$(class_prefix "$NAME")"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
SRC="$DIR/src/main/java/${PACKAGE//.//}"
TEST="$DIR/src/test/java/${PACKAGE//.//}"
mkdir -p "$SRC" "$TEST"

SUBSTITUTIONS=(
    -e "s|@NAME@|$NAME|g" -e "s|@GROUP@|$GROUP|g" -e "s|@PACKAGE@|$PACKAGE|g" -e "s|@CLASS@|$CLASS|g"
    -e "s|@KINDS@|${KINDS[*]}|g" -e "s|@JAR_PATH@|$DIR/target/$NAME-0.1.0-SNAPSHOT.jar|g"
    -e "s|@COHORT_VERSION@|$(sed -n '0,/<version>/s|.*<version>\(.*\)</version>.*|\1|p' "$PARENT_POM")|g"
    -e "s|@BND_VERSION@|$(property bnd.version)|g"
    -e "s|@JUNIT_VERSION@|$(property junit.version)|g"
    -e "s|@SUREFIRE_VERSION@|$(property surefire.version)|g"
    -e "s|@OSGI_ANNOTATION_VERSION@|$(managed_version osgi.annotation)|g"
    -e "s|@DS_ANNOTATIONS_VERSION@|$(managed_version org.osgi.service.component.annotations)|g"
    -e "s|@METATYPE_ANNOTATIONS_VERSION@|$(managed_version org.osgi.service.metatype.annotations)|g"
    -e "s|@LOG_VERSION@|$(managed_version org.osgi.service.log)|g"
    -e "s|@COMPILER_VERSION@|$(managed_version maven-compiler-plugin)|g"
    -e "s|@RESOURCES_VERSION@|$(managed_version maven-resources-plugin)|g"
    -e "s|@INSTALL_VERSION@|$(managed_version maven-install-plugin)|g"
    -e "s|@CLEAN_VERSION@|$(managed_version maven-clean-plugin)|g"
)
render() {
    sed "${SUBSTITUTIONS[@]}" "$1" > "$2"
}

render "$TEMPLATES/pom.xml" "$DIR/pom.xml"
render "$TEMPLATES/bnd.bnd" "$DIR/bnd.bnd"
render "$TEMPLATES/README.md" "$DIR/README.md"
cp "$TEMPLATES/gitignore" "$DIR/.gitignore"
for kind in "${KINDS[@]}"; do
    case "$kind" in
        listener) base=Listener ;;
        training-listener) base=TrainingListener ;;
        reward) base=Reward ;;
    esac
    render "$TEMPLATES/$kind/$base.java" "$SRC/$CLASS$base.java"
    render "$TEMPLATES/$kind/${base}Test.java" "$TEST/$CLASS${base}Test.java"
done

echo "Created the Cohort plugin project $NAME in $DIR (${KINDS[*]}; package $PACKAGE)."
echo "Next: (cd $ROOT && mvn -q install -DskipTests) once, then (cd $DIR && mvn package),"
echo "then copy $DIR/target/$NAME-0.1.0-SNAPSHOT.jar into $ROOT/deploy/."
