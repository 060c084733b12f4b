#include "cli.h"

#include "core/store/store.h"

#include <QFileInfo>
#include <QJsonArray>

namespace mg::cli {

int cmdVerify(const QStringList &args)
{
    const QString command = QStringLiteral("verify");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Re-validate every stored chain: row decoding, hash links, Merkle roots, biller/ack/transaction "
        "signatures and the transaction index. Exit 0 when intact, 1 when a problem is found."));
    parser.addOption({QStringLiteral("data"), QStringLiteral("Data directory holding microgrid.sqlite."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
    int code = ExitOk;
    if (!parse(parser, args, command, &code))
        return code;
    if (!parser.positionalArguments().isEmpty())
        return usageError(command, QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    if (!parser.isSet(QStringLiteral("data")))
        return usageError(command, QStringLiteral("--data DIR is required"));
    const QString dir = parser.value(QStringLiteral("data"));
    if (!QFileInfo(dir).isDir())
        return usageError(command, QStringLiteral("no data directory %1").arg(dir));

    // create=false: verifying must never leave an empty database behind. Writable, so a store
    // from an older release is upgraded (and its index backfilled) like the console would.
    auto opened = store::Store::open(dir, store::Store::Options{.readOnly = false, .create = false});
    if (!opened)
        return usageError(command, opened.error().message);
    const store::Store &store = *opened.value();

    const qsizetype chains = store.chains().size();
    const store::Store::ValidationReport report = store.validate();
    const bool intact = report.findings.isEmpty();

    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray findings;
        for (const ledger::ValidationFinding &f : report.findings) {
            findings.append(QJsonObject{
                {QStringLiteral("chain"), qint64(f.chainId)},
                {QStringLiteral("height"), qint64(f.height)},
                {QStringLiteral("code"), f.code},
                {QStringLiteral("reason"), f.reason},
            });
        }
        printJson(QJsonObject{
            {QStringLiteral("intact"), intact},
            {QStringLiteral("blocks"), qint64(report.blocksChecked)},
            {QStringLiteral("chains"), qint64(chains)},
            {QStringLiteral("findings"), findings},
        });
    } else {
        for (const ledger::ValidationFinding &f : report.findings)
            out() << f.toString() << '\n'; // "chain 3 height 17: chain.merkle_root: ..."
        out() << "verified " << report.blocksChecked << " blocks in " << chains << " chains: ";
        if (intact)
            out() << "intact";
        else
            out() << report.findings.size() << " problem(s) found";
        out() << Qt::endl;
    }
    return intact ? ExitOk : ExitFindings;
}

} // namespace mg::cli
