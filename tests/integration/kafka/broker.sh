#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on
# loopback, for lineaged's integration tests. See docs/testing-kafka.md.
#
#   broker.sh fetch                          resolve the broker's jars into the cache
#   broker.sh start     <workdir>            configure (first time), format, start, wait ready
#   broker.sh stop      <workdir>            TERM, KILL after $LG_KAFKA_STOP_TIMEOUT, wait for exit
#   broker.sh restart   <workdir>            stop + start, same ports, same data
#   broker.sh kill      <workdir>            SIGKILL (a crash: no controlled shutdown), wait for exit
#   broker.sh pause     <workdir>            SIGSTOP (a hung broker); `resume` sends SIGCONT
#   broker.sh status    <workdir>            exit 0 and print state if running, exit 1 if not
#   broker.sh bootstrap <workdir>            print host:port for bootstrap.servers
#   broker.sh topic     <workdir> NAME PARTITIONS [compact] [key=value ...]
#                                            create a topic (idempotent), extra topic configs
#   broker.sh members   <workdir> GROUP      print the members of consumer group GROUP
#                                            (kafka-consumer-groups --describe --members)
#
# Environment (all optional):
#   KAFKA_VERSION           org.apache.kafka:kafka_2.13 version (default 4.1.1)
#   LG_KAFKA_CACHE          cache dir (default <repo>/tests/integration/.kafka)
#   LG_KAFKA_READY_TIMEOUT  seconds to wait for a started broker to answer (default 120)
#   LG_KAFKA_STOP_TIMEOUT   seconds between TERM and KILL (default 30)
#   LG_KAFKA_HEAP           broker -Xmx (default 512m)
#   LG_KAFKA_PROPERTIES     extra server.properties lines (key=value, one a
#                           line), written after the test defaults, so they
#                           win; read when a workdir is first configured
#   JAVA, MVN, KCAT         commands to use (default java, mvn, kcat)
#
# Files in <workdir>: server.properties, broker.env (ports, cluster id,
# version), broker.pid, broker.log (stdout+stderr of the JVM, appended across
# restarts), data/ (log dirs and KRaft metadata).
#
# Exit codes: 0 ok, 1 failure, 2 usage.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
KAFKA_VERSION=${KAFKA_VERSION:-4.1.1}
CACHE=${LG_KAFKA_CACHE:-$REPO/tests/integration/.kafka}
READY_TIMEOUT=${LG_KAFKA_READY_TIMEOUT:-120}
STOP_TIMEOUT=${LG_KAFKA_STOP_TIMEOUT:-30}
HEAP=${LG_KAFKA_HEAP:-512m}
JAVA=${JAVA:-java}
MVN=${MVN:-mvn}
KCAT=${KCAT:-kcat}
# Short-lived tool JVMs (format, topic): start fast, stay small.
TOOL_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

log() { printf 'broker.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
now_ms() { date +%s%3N; }

libs_dir() { printf '%s/%s/libs' "$CACHE" "$KAFKA_VERSION"; }

# The pom's digest is stored with the jars: editing the pom re-resolves.
pom_digest() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }

libs_ready() {
    local libs
    libs=$(libs_dir)
    [[ -f $libs/.complete ]] && [[ $(cat "$libs/.complete") == "$(pom_digest)" ]]
}

# Resolves kafka_2.13:$KAFKA_VERSION and its runtime closure into
# $CACHE/$KAFKA_VERSION/libs, once. Maven's repository is $CACHE/m2, so no
# ~/.m2 state is used or needed. A lock keeps parallel callers from racing.
cmd_fetch() {
    libs_ready && return 0
    command -v "$MVN" >/dev/null || die "mvn not found (needed once to fetch Kafka $KAFKA_VERSION)"
    mkdir -p "$CACHE/$KAFKA_VERSION"
    local lock=$CACHE/$KAFKA_VERSION/.lock
    exec 9>"$lock"
    flock 9
    if libs_ready; then
        exec 9>&-
        return 0
    fi
    local libs tmp t0
    libs=$(libs_dir)
    tmp=$libs.tmp.$$
    rm -rf "$tmp"
    t0=$(now_ms)
    log "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central into $libs"
    local mvnlog=$CACHE/$KAFKA_VERSION/fetch.log
    if ! "$MVN" -B -Dstyle.color=never -f "$HERE/pom.xml" -Dmaven.repo.local="$CACHE/m2" \
        -Dkafka.version="$KAFKA_VERSION" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvnlog" 2>&1; then
        rm -rf "$tmp"
        exec 9>&-
        tail -n 30 "$mvnlog" >&2
        die "maven could not resolve kafka_2.13:$KAFKA_VERSION (full output: $mvnlog)"
    fi
    pom_digest >"$tmp/.complete"
    rm -rf "$libs"
    mv "$tmp" "$libs"
    exec 9>&-
    log "fetched $(find "$libs" -name '*.jar' | wc -l) jars, $(du -sh "$libs" | cut -f1)" \
        "in $(($(now_ms) - t0)) ms"
}

java_major() {
    "$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}

check_java() {
    command -v "$JAVA" >/dev/null || die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
    local major
    major=$(java_major)
    [[ -n $major && $major -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17+, found '$major'"
}

# A free TCP port on 127.0.0.1, distinct from any given as arguments. The
# kernel picks it (bind to port 0); it is released before the broker binds it,
# so a start that loses the race is retried with new ports (see cmd_start).
free_port() {
    local p
    while :; do
        if command -v python3 >/dev/null; then
            p=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
        else
            p=$((20000 + RANDOM % 30000))
            # A connection that succeeds means someone listens there.
            if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
        fi
        local taken=0 q
        for q in "$@"; do [[ $p == "$q" ]] && taken=1; done
        ((taken)) || break
    done
    printf '%s\n' "$p"
}

random_cluster_id() {
    # 16 random bytes, URL-safe base64 without padding: Kafka's Uuid format.
    # Like Kafka's own Uuid.randomUuid(), never start with '-': the format
    # tool would read such an id (-t -xyz...) as an option and fail.
    local id
    while :; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | cut -c1-22)
        [[ $id == -* ]] || break
    done
    printf '%s\n' "$id"
}

need_workdir() {
    [[ -n ${WORKDIR:-} ]] || {
        log "usage: broker.sh $CMD <workdir>"
        exit 2
    }
    mkdir -p "$WORKDIR"
    WORKDIR=$(cd "$WORKDIR" && pwd)
}

load_env() {
    [[ -f $WORKDIR/broker.env ]] || die "$WORKDIR has no broker (run: broker.sh start $WORKDIR)"
    # shellcheck disable=SC1091
    . "$WORKDIR/broker.env"
    # The workdir remembers which jars it runs on, whatever the caller's env.
    KAFKA_VERSION=$BROKER_KAFKA_VERSION
    CACHE=$BROKER_CACHE
}

write_config() {
    local port=$1 cport=$2
    cat >"$WORKDIR/server.properties" <<EOF
# Written by tests/integration/kafka/broker.sh: a single-node KRaft test broker.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$WORKDIR/data
auto.create.topics.enable=true
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# After a crash (broker.sh kill) the old registration blocks the restarted
# broker until its session expires: keep that short (default 9 s).
broker.session.timeout.ms=2000
broker.heartbeat.interval.ms=500
# Small segments and a quick cleaner so retention/compaction tests finish.
log.segment.bytes=1048576
log.retention.check.interval.ms=5000
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=4194304
log.cleaner.backoff.ms=1000
# Two cores on the test machines: few threads.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
EOF
    if [[ -n ${LG_KAFKA_PROPERTIES:-} ]]; then
        printf '# From LG_KAFKA_PROPERTIES:\n%s\n' "$LG_KAFKA_PROPERTIES" >>"$WORKDIR/server.properties"
    fi
    cat >"$WORKDIR/broker.env" <<EOF
BROKER_PORT=$port
BROKER_CONTROLLER_PORT=$cport
BROKER_CLUSTER_ID=$CLUSTER_ID
BROKER_KAFKA_VERSION=$KAFKA_VERSION
BROKER_CACHE=$CACHE
EOF
}

format_storage() {
    # The format tool is kafka.tools.StorageTool (Scala, in kafka_2.13) in
    # 4.0 and 4.1; look for it, or its Java successor, in the jars. A zip's
    # directory holds entry names uncompressed, so grep finds them.
    local cls libs
    libs=$(libs_dir)
    if grep -qaE '(^|[^/])kafka/tools/StorageTool\.class' "$libs"/kafka_2.13-*.jar; then
        cls=kafka.tools.StorageTool
    elif grep -qaF 'org/apache/kafka/tools/StorageTool.class' "$libs"/*.jar; then
        cls=org.apache.kafka.tools.StorageTool
    else
        die "no StorageTool class in $libs"
    fi
    "$JAVA" "${TOOL_OPTS[@]}" -cp "$(libs_dir)/*" "$cls" format --ignore-formatted \
        -t "$CLUSTER_ID" -c "$WORKDIR/server.properties" >>"$WORKDIR/broker.log" 2>&1 ||
        die "formatting $WORKDIR/data failed; see $WORKDIR/broker.log"
}

# True if process $1 exists and is not a zombie.
alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# Prints the broker's pid if it runs (and is ours: its command line names
# this workdir's server.properties), else nothing.
running_pid() {
    local pid
    [[ -f $WORKDIR/broker.pid ]] || return 0
    pid=$(cat "$WORKDIR/broker.pid")
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
        grep -qF "$WORKDIR/server.properties" || return 0
    printf '%s\n' "$pid"
}

# True when the broker answers a metadata request listing itself.
answers() {
    if command -v "$KCAT" >/dev/null; then
        "$KCAT" -b "127.0.0.1:$BROKER_PORT" -L -m 2 2>/dev/null | grep -q '1 brokers:'
    else
        grep -q 'Kafka Server started' "$WORKDIR/broker.log"
    fi
}

# Starts the JVM on the configured ports and waits until it answers.
# Returns 0 when ready, 3 when the JVM died early (port race, bad config), 1 on timeout.
launch() {
    local t0 pid deadline
    t0=$(now_ms)
    printf '\n=== broker.sh start %s ===\n' "$(date -u +%FT%TZ)" >>"$WORKDIR/broker.log"
    (exec "$JAVA" -Xms128m "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        -Dorg.slf4j.simpleLogger.showDateTime=true \
        "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS" \
        -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn \
        -cp "$(libs_dir)/*" kafka.Kafka "$WORKDIR/server.properties") \
        >>"$WORKDIR/broker.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$WORKDIR/broker.pid"
    deadline=$(($(date +%s) + READY_TIMEOUT))
    while :; do
        if ! alive "$pid"; then
            log "broker exited during start-up; last lines of $WORKDIR/broker.log:"
            tail -n 20 "$WORKDIR/broker.log" >&2
            rm -f "$WORKDIR/broker.pid"
            return 3
        fi
        if answers; then
            log "ready: 127.0.0.1:$BROKER_PORT pid $pid (kafka $KAFKA_VERSION)" \
                "in $(($(now_ms) - t0)) ms"
            return 0
        fi
        if (($(date +%s) >= deadline)); then
            log "not ready after ${READY_TIMEOUT}s; see $WORKDIR/broker.log"
            return 1
        fi
        sleep 0.2
    done
}

cmd_start() {
    need_workdir
    check_java
    if [[ -f $WORKDIR/broker.env ]]; then
        load_env
        if [[ -n $(running_pid) ]]; then
            log "already running: 127.0.0.1:$BROKER_PORT"
            return 0
        fi
        cmd_fetch
        launch && return 0
        local rc=$?
        ((rc == 3)) || stop_pid KILL
        die "broker did not start (reused ports $BROKER_PORT/$BROKER_CONTROLLER_PORT)"
    fi
    cmd_fetch
    local attempt rc
    CLUSTER_ID=$(random_cluster_id)
    for attempt in 1 2 3; do
        local port cport
        port=$(free_port)
        cport=$(free_port "$port")
        write_config "$port" "$cport"
        load_env
        rm -rf "$WORKDIR/data"
        format_storage
        rc=0
        launch || rc=$?
        ((rc == 0)) && return 0
        ((rc == 3)) || {
            stop_pid KILL
            break
        }
        log "start attempt $attempt failed; retrying with new ports"
    done
    rm -f "$WORKDIR/broker.env"
    die "broker did not start; see $WORKDIR/broker.log"
}

# Sends $1 (TERM or KILL) to the broker and waits for it to exit; a TERM that
# is not obeyed within STOP_TIMEOUT seconds becomes a KILL.
stop_pid() {
    local sig=$1 pid deadline
    pid=$(running_pid)
    [[ -n $pid ]] || {
        rm -f "$WORKDIR/broker.pid"
        return 0
    }
    kill -CONT "$pid" 2>/dev/null || true # a paused JVM cannot shut down
    kill "-$sig" "$pid" 2>/dev/null || true
    deadline=$(($(date +%s) + STOP_TIMEOUT))
    while [[ -n $(running_pid) ]]; do
        if [[ $sig == TERM ]] && (($(date +%s) >= deadline)); then
            log "pid $pid ignored TERM for ${STOP_TIMEOUT}s; sending KILL"
            sig=KILL
            kill -KILL "$pid" 2>/dev/null || true
            deadline=$(($(date +%s) + STOP_TIMEOUT))
        elif (($(date +%s) >= deadline)); then
            die "pid $pid survived KILL"
        fi
        sleep 0.1
    done
    rm -f "$WORKDIR/broker.pid"
}

cmd_stop() {
    need_workdir
    [[ -f $WORKDIR/broker.env ]] || return 0
    local t0
    t0=$(now_ms)
    stop_pid "${1:-TERM}"
    log "stopped ($1) in $(($(now_ms) - t0)) ms"
}

cmd_signal() {
    need_workdir
    local pid
    pid=$(running_pid)
    [[ -n $pid ]] || die "broker in $WORKDIR is not running"
    kill "-$1" "$pid"
}

cmd_status() {
    need_workdir
    [[ -f $WORKDIR/broker.env ]] || {
        echo "absent"
        return 1
    }
    load_env
    local pid rss
    pid=$(running_pid)
    if [[ -z $pid ]]; then
        echo "stopped bootstrap=127.0.0.1:$BROKER_PORT"
        return 1
    fi
    rss=$(awk '/^VmRSS:/ {print $2 " " $3}' "/proc/$pid/status")
    echo "running pid=$pid bootstrap=127.0.0.1:$BROKER_PORT" \
        "controller=127.0.0.1:$BROKER_CONTROLLER_PORT rss=\"$rss\" kafka=$KAFKA_VERSION"
}

cmd_bootstrap() {
    need_workdir
    load_env
    echo "127.0.0.1:$BROKER_PORT"
}

cmd_topic() {
    need_workdir
    local name=${1:-} parts=${2:-}
    [[ -n $name && $parts =~ ^[0-9]+$ ]] || {
        log "usage: broker.sh topic <workdir> NAME PARTITIONS [compact] [key=value ...]"
        exit 2
    }
    shift 2
    load_env
    [[ -n $(running_pid) ]] || die "broker in $WORKDIR is not running"
    local cfg=()
    for a in "$@"; do
        if [[ $a == compact ]]; then
            cfg+=(--config cleanup.policy=compact)
        elif [[ $a == *=* ]]; then
            cfg+=(--config "$a")
        else
            die "topic: unknown argument '$a' (want 'compact' or key=value)"
        fi
    done
    "$JAVA" "${TOOL_OPTS[@]}" -cp "$(libs_dir)/*" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "127.0.0.1:$BROKER_PORT" --create --if-not-exists \
        --topic "$name" --partitions "$parts" --replication-factor 1 "${cfg[@]}" >&2 ||
        die "creating topic $name failed"
}

cmd_members() {
    need_workdir
    local group=${1:-}
    [[ -n $group ]] || {
        log "usage: broker.sh members <workdir> GROUP"
        exit 2
    }
    load_env
    [[ -n $(running_pid) ]] || die "broker in $WORKDIR is not running"
    "$JAVA" "${TOOL_OPTS[@]}" -cp "$(libs_dir)/*" \
        org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
        --bootstrap-server "127.0.0.1:$BROKER_PORT" --describe --members --group "$group" ||
        die "describing group $group failed"
}

CMD=${1:-}
WORKDIR=${2:-}
case $CMD in
fetch) cmd_fetch ;;
start) cmd_start ;;
stop) cmd_stop TERM ;;
kill) cmd_stop KILL ;;
restart)
    cmd_stop TERM
    cmd_start
    ;;
pause) cmd_signal STOP ;;
resume) cmd_signal CONT ;;
status) cmd_status ;;
bootstrap) cmd_bootstrap ;;
topic) cmd_topic "${@:3}" ;;
members) cmd_members "${@:3}" ;;
*)
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
