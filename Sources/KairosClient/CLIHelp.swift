/// The texts of `kairos cli --help` and of `help` at the interactive prompt.
public enum CLIHelp {
    public static let usage = """
        usage: kairos cli [options] [COMMAND [ARG ...]]
               kairos cli [options] --pipe < commands.txt
               kairos cli [options] stat --json

        A client for a Kairos (or ztick) server. With a command it sends it, prints the answer
        without the request id and exits 0 on OK, 1 on ERROR or when no answer comes. With no
        command it prompts (stdin a terminal) or reads one command per line from stdin.

        options:
          -h, --host HOST          server host name or address (default 127.0.0.1)
          -p, --port PORT          server port (default 5678)
          --tls                    speak TLS; the certificate is verified against the system
                                   store and must name HOST
          --cacert FILE            trust the CA certificate(s) in FILE instead (with --tls)
          --insecure               do not verify the certificate (with --tls)
          --auth SECRET            send AUTH SECRET first (visible to other local users in ps;
                                   prefer --auth-file-token)
          --auth-file-token NAME   send the secret of [token.NAME] from the auth file
          --auth-file PATH         the auth file for --auth-file-token (default tokens.toml)
          --timeout-ms N           how long to wait for the connection, the TLS handshake
                                   and each answer (default 2000)
          --pipe                   read commands from stdin and pipeline them
          --json                   with stat: print STAT as one JSON object
          --help                   show this help

        SET accepts RFC 3339 times (2026-12-24T18:00:00Z, 2026-12-24T19:00:00.5+01:00) and
        sends them as nanoseconds. Instructions may be written in any case.

        exit status: 0 every command answered OK; 1 an ERROR, no answer, or no connection;
        2 a usage error.

        """

    public static let commands = """
        Commands (request ids are added for you; quote arguments with spaces: "a b"):
          SET <job> <time>                    plan a job; <time> is RFC 3339 (2026-12-24T18:00:00Z),
                                              YYYY-MM-DD HH:MM:SS (UTC) or nanoseconds since 1970
          GET <job>                           OK <status> <execution-ns>
          QUERY [<prefix>]                    jobs whose id starts with <prefix>
          REMOVE <job>
          RULE SET <rule> <pattern> <kind> <args...>
                                              kinds: shell <command>, direct <exe> [args],
                                              awf <workflow> [--input k=v], http <METHOD> <url>,
                                              amqp <dsn> <exchange> <routing-key>,
                                              redis <url> PUBLISH|RPUSH|LPUSH|SET <key>
          REMOVERULE <rule>
          LISTRULES                           every rule
          STAT                                server counters, as a table
        Local: help; auth <secret> (reconnect and authenticate); quit, exit (or Ctrl-D).

        """
}
