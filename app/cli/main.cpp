#include "cli.h"

#include <QCoreApplication>
#include <QFile>
#include <QMap>

namespace mg::cli {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

int usageError(const QString &command, const QString &message)
{
    err() << "microgrid-cli " << command << ": " << message << Qt::endl;
    return ExitUsage;
}

bool parse(QCommandLineParser &parser, const QStringList &args, const QString &command, int *exitCode)
{
    parser.addHelpOption();
    if (!parser.parse(args)) {
        *exitCode = usageError(command, parser.errorText());
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        *exitCode = ExitOk;
        return false;
    }
    return true;
}

void printJson(const QJsonObject &object)
{
    out() << QJsonDocument(object).toJson(QJsonDocument::Compact) << Qt::endl;
}

Result<crypto::ScryptParams> scryptParamsFromEnv()
{
    crypto::ScryptParams params;
    if (qEnvironmentVariableIsSet("MG_SCRYPT_LOG2N")) {
        bool ok = false;
        const int log2N = qEnvironmentVariable("MG_SCRYPT_LOG2N").toInt(&ok);
        if (!ok || log2N < 10 || log2N > 20)
            return Error{QStringLiteral("usage.scrypt"), QStringLiteral("MG_SCRYPT_LOG2N must be a whole number from 10 to 20, got '%1'")
                                                           .arg(qEnvironmentVariable("MG_SCRYPT_LOG2N"))};
        params.log2N = quint8(log2N);
    }
    return params;
}

} // namespace mg::cli

static void printUsage(QTextStream &s)
{
    s << "usage: microgrid-cli <command> [options]\n\n"
         "commands:\n"
         "  verify --data DIR [--json]        re-validate every stored chain (exit 1 on tampering)\n"
         "  bench crypto|store [--json]       measure primitive throughput limits\n"
         "  elect [--roster F] [--groups N]   elect a biller per sub-chain and for one chain (DBSCA)\n"
         "  run --duration S [--virtual]      run the microgrid (agents and market, or a synthetic load)\n"
         "  orders|trades|accounts --data DIR [--node ID] [--json]   list what is stored\n"
         "  user init|add|list|passwd|roles|nodes|remove --data DIR   console users (MG_SCRYPT_LOG2N=10: test/demo knob)\n"
         "  regulate rules|halt|suspend|kick|... --data DIR --as USER   regulator actions and audit log\n\n"
         "Run 'microgrid-cli <command> --help' for a command's options.\n";
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("microgrid-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("Microgrid Console"));

    const QMap<QString, mg::cli::Command> commands{
        {QStringLiteral("verify"), &mg::cli::cmdVerify},
        {QStringLiteral("bench"), &mg::cli::cmdBench},
        {QStringLiteral("elect"), &mg::cli::cmdElect},
        {QStringLiteral("run"), &mg::cli::cmdRun},
        {QStringLiteral("orders"), &mg::cli::cmdOrders},
        {QStringLiteral("trades"), &mg::cli::cmdTrades},
        {QStringLiteral("accounts"), &mg::cli::cmdAccounts},
        {QStringLiteral("user"), &mg::cli::cmdUser},
        {QStringLiteral("regulate"), &mg::cli::cmdRegulate},
    };

    QStringList args = app.arguments();
    if (args.size() < 2 || args[1] == QLatin1String("--help") || args[1] == QLatin1String("-h")) {
        printUsage(args.size() < 2 ? mg::cli::err() : mg::cli::out());
        return args.size() < 2 ? mg::cli::ExitUsage : mg::cli::ExitOk;
    }
    const QString name = args[1];
    const auto it = commands.constFind(name);
    if (it == commands.cend()) {
        mg::cli::err() << "microgrid-cli: unknown command '" << name << "'\n";
        printUsage(mg::cli::err());
        return mg::cli::ExitUsage;
    }
    args.removeFirst(); // args[0] is now the command name, as QCommandLineParser expects
    return (*it)(args);
}
