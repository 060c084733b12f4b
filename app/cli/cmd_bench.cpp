#include "cli.h"

namespace mg::cli {

int cmdBench(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Measure throughput limits and print figures."));
    parser.addPositionalArgument(QStringLiteral("what"), QStringLiteral("crypto | store | paper"));
    parser.addOption({QStringLiteral("minutes"), QStringLiteral("paper: simulated minutes of the 100-node runs (default 10, as in the paper)."), QStringLiteral("M")});
    parser.addOption({QStringLiteral("minutes-40x"), QStringLiteral("paper: simulated minutes of the 4,000-node runs (default 1; rounds are also given per 10 min; 0 skips them)."), QStringLiteral("M")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
    int code = ExitOk;
    if (!parse(parser, args, QStringLiteral("bench"), &code))
        return code;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1)
        return usageError(QStringLiteral("bench"), QStringLiteral("expected one of: crypto, store, paper"));
    const bool json = parser.isSet(QStringLiteral("json"));
    if (pos[0] == QLatin1String("crypto"))
        return benchCrypto(json);
    if (pos[0] == QLatin1String("store"))
        return benchStore(json);
    if (pos[0] == QLatin1String("paper")) {
        bool ok1 = true, ok2 = true;
        const double minutes = parser.isSet(QStringLiteral("minutes")) ? parser.value(QStringLiteral("minutes")).toDouble(&ok1) : 10.0;
        const double minutes40x = parser.isSet(QStringLiteral("minutes-40x")) ? parser.value(QStringLiteral("minutes-40x")).toDouble(&ok2) : 1.0;
        if (!ok1 || !ok2 || minutes <= 0 || minutes40x < 0 || minutes > 1440 || minutes40x > 1440)
            return usageError(QStringLiteral("bench"), QStringLiteral("--minutes must be above 0 and --minutes-40x at least 0 (both at most 1440)"));
        return benchPaper(json, minutes, minutes40x);
    }
    return usageError(QStringLiteral("bench"), QStringLiteral("unknown benchmark '%1' (expected crypto, store or paper)").arg(pos[0]));
}

} // namespace mg::cli
