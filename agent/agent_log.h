#pragma once
// The agent's log: lines on stderr. Under systemd, when stderr is the journal stream
// ($JOURNAL_STREAM names stderr's device:inode), each line starts with its syslog priority,
// "<3>" error ... "<7>" debug (sd-daemon(3)), and carries no timestamp of its own: journald
// stamps every line and keeps the priority. Elsewhere each line has an ISO 8601 timestamp and
// the level name. Either way control characters in a message are escaped
// (truststore/text_escape.h).

namespace trustctl::agent {

// Installs the default spdlog logger as above; call once, before other threads log.
void setUpAgentLog();

// True when stderr is the stream $JOURNAL_STREAM names.
bool stderrIsJournal();

}  // namespace trustctl::agent
