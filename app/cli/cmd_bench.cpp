#include "cli.h"

namespace mg::cli {

int cmdBench(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Measure throughput limits and print figures."));
    parser.addPositionalArgument(QStringLiteral("what"), QStringLiteral("crypto | store"));
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
    int code = ExitOk;
    if (!parse(parser, args, QStringLiteral("bench"), &code))
        return code;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1)
        return usageError(QStringLiteral("bench"), QStringLiteral("expected one of: crypto, store"));
    const bool json = parser.isSet(QStringLiteral("json"));
    if (pos[0] == QLatin1String("crypto"))
        return benchCrypto(json);
    if (pos[0] == QLatin1String("store"))
        return benchStore(json);
    return usageError(QStringLiteral("bench"), QStringLiteral("unknown benchmark '%1' (expected crypto or store)").arg(pos[0]));
}

} // namespace mg::cli
