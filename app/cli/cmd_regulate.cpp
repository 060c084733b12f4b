// microgrid-cli regulate: the regulator's actions (weak centralization) on a data directory, and
// the audit trail of every regulator action stored on the governance chain.
//
// Each action rebuilds the microgrid from the data directory on the virtual clock (no load, no
// agents), logs the user in, submits the signed RegulatorAction through Engine::regulate (which
// does the authorization, in core) and runs the clock until the action is final on the
// governance chain, so the next process that opens the directory replays it.

#include "cli.h"

#include "core/auth/auth.h"
#include "core/engine/engine.h"
#include "core/store/store.h"

#include <QDateTime>
#include <QJsonArray>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace mg::cli {

namespace {

using RA = ledger::RegulatorActionPayload::Action;

const QStringList Actions{QStringLiteral("rules"), QStringLiteral("halt"), QStringLiteral("suspend"), QStringLiteral("unsuspend"),
                          QStringLiteral("kick"), QStringLiteral("approve"), QStringLiteral("reject"), QStringLiteral("weights"),
                          QStringLiteral("log")};

// How long (virtual) an action may take to become final, and the clock's step while waiting.
constexpr net::TimeUs FinalityTimeoutUs = 30 * net::UsPerSecond;
constexpr net::TimeUs StepUs = 100 * net::UsPerMs;

QString actionName(RA action)
{
    switch (action) {
    case RA::HaltTrade: return QStringLiteral("halt");
    case RA::Suspend: return QStringLiteral("suspend");
    case RA::Unsuspend: return QStringLiteral("unsuspend");
    case RA::ProposeKick: return QStringLiteral("kick");
    case RA::ApproveJoin: return QStringLiteral("approve");
    case RA::RejectJoin: return QStringLiteral("reject");
    case RA::SetRules: return QStringLiteral("rules");
    case RA::SetWeights: return QStringLiteral("weights");
    case RA::Vote: return QStringLiteral("vote");
    }
    return QStringLiteral("unknown(%1)").arg(int(action));
}

// The caller's password: MG_PASSWORD, else the first line of stdin (never argv). The same
// convention as 'user' (cmd_user.cpp's PasswordInput::caller); small enough not to share.
std::optional<QString> callerPassword()
{
    if (qEnvironmentVariableIsSet("MG_PASSWORD"))
        return qEnvironmentVariable("MG_PASSWORD");
    QTextStream in(stdin);
    const QString line = in.readLine();
    if (line.isNull())
        return std::nullopt;
    return line;
}

Result<crypto::Hash256> parseId(const QString &text, const QString &what)
{
    bool ok = false;
    const crypto::Hash256 id = crypto::Hash256::fromHex(text.trimmed(), &ok);
    if (!ok || id.isNull())
        return Error{QStringLiteral("cli.bad_hex"), QStringLiteral("%1 '%2' is not a 64-digit hex id").arg(what, text)};
    return id;
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

bool isFinal(const engine::Engine &engine, const crypto::Hash256 &id)
{
    auto ref = engine.store()->transactionRef(id);
    return ref.ok() && ref->chainId == engine.governanceChain();
}

int printLog(store::Store &store, const QString &node, bool json, const QString &command)
{
    store::TxQuery q;
    q.kind = ledger::TxKind::RegulatorAction;
    q.node = node;
    q.limit = 0;
    auto refs = store.findTransactions(q);
    if (!refs.ok())
        return usageError(command, refs.error().message);
    QList<store::TxRef> list = refs.value();
    std::stable_sort(list.begin(), list.end(), [](const store::TxRef &a, const store::TxRef &b) {
        return std::tie(a.timestampMs, a.chainId, a.height, a.index) < std::tie(b.timestampMs, b.chainId, b.height, b.index);
    });
    QJsonArray entries;
    for (const store::TxRef &ref : list) {
        auto tx = store.transaction(ref.id);
        if (!tx.ok())
            return usageError(command, tx.error().message);
        auto p = ledger::RegulatorActionPayload::decode(tx->payload);
        const QString action = p.ok() ? actionName(p->action) : QStringLiteral("undecodable");
        const QString subject = p.ok() ? p->subject : QString();
        const QString target = p.ok() && !p->target.isNull() ? p->target.shortHex() : QString();
        const QString reason = p.ok() ? p->reason : p.error().message;
        if (json) {
            entries.append(QJsonObject{
                {QStringLiteral("time"), isoTime(ref.timestampMs)},
                {QStringLiteral("timeMs"), ref.timestampMs},
                {QStringLiteral("regulator"), ref.sender},
                {QStringLiteral("action"), action},
                {QStringLiteral("subject"), subject},
                {QStringLiteral("target"), p.ok() && !p->target.isNull() ? p->target.toHex() : QString()},
                {QStringLiteral("reason"), reason},
                {QStringLiteral("data"), p.ok() ? QString::fromUtf8(p->data.toHex()) : QString()},
                {QStringLiteral("chain"), qint64(ref.chainId)},
                {QStringLiteral("height"), qint64(ref.height)},
                {QStringLiteral("id"), ref.id.toHex()},
            });
        } else {
            out() << isoTime(ref.timestampMs) << "  " << ref.sender << "  " << action << "  "
                  << (subject.isEmpty() ? QStringLiteral("-") : subject) << "  " << (target.isEmpty() ? QStringLiteral("-") : target)
                  << "  chain " << ref.chainId << " height " << ref.height << "  " << reason << '\n';
        }
    }
    if (json)
        printJson(QJsonObject{{QStringLiteral("actions"), entries}});
    else if (list.isEmpty())
        out() << "no regulator actions\n";
    out().flush();
    return ExitOk;
}

void printRules(const regulator::Rules &rules, bool json)
{
    const QJsonObject o = rules.toJson();
    if (json) {
        printJson(QJsonObject{{QStringLiteral("rules"), o}});
        return;
    }
    for (auto it = o.begin(); it != o.end(); ++it)
        out() << it.key() << '=' << it.value().toVariant().toString() << '\n';
    out().flush();
}

} // namespace

int cmdRegulate(const QStringList &args)
{
    QString command = QStringLiteral("regulate");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The regulator's actions, each a signed transaction on the governance (parent) chain.\n\n"
        "  regulate halt --target ID --reason TEXT       halt a trade or an order (64-digit hex id)\n"
        "  regulate suspend|unsuspend NODE --reason TEXT at once\n"
        "  regulate kick NODE --reason TEXT              the parent members vote on the eviction\n"
        "  regulate approve|reject PROPOSAL --reason TEXT  a join request (reject is a veto)\n"
        "  regulate weights R,E,C,S --reason TEXT        biller election weights (adding up to 1)\n"
        "  regulate rules [--set key=value ...] [--reason TEXT] [--json]\n"
        "                                                print the rules, or change some of them\n"
        "  regulate log [--json] [--node ID]             the audit trail (regulator, operator, admin)\n\n"
        "Every command needs --data DIR and --as USER (password: MG_PASSWORD, else the first line of\n"
        "stdin). Actions need a user with the regulator role bound to a regulator node.\n"
        "Exit 0 when the action is final, 1 when it did not become final in time, 2 on bad input or\n"
        "a refusal (the reason on stderr)."));
    parser.addPositionalArgument(QStringLiteral("action"), Actions.join(QLatin1Char('|')));
    parser.addPositionalArgument(QStringLiteral("ARG"), QStringLiteral("NODE, PROPOSAL or R,E,C,S."), QStringLiteral("[ARG]"));
    parser.addOption({QStringLiteral("data"), QStringLiteral("Data directory holding microgrid.sqlite."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("as"), QStringLiteral("The calling user (password: MG_PASSWORD or stdin)."), QStringLiteral("USER")});
    parser.addOption({QStringLiteral("reason"), QStringLiteral("Why (recorded on the chain)."), QStringLiteral("TEXT")});
    parser.addOption({QStringLiteral("target"), QStringLiteral("halt: the trade or order id (hex)."), QStringLiteral("ID")});
    parser.addOption({QStringLiteral("set"), QStringLiteral("rules: change one rule (repeatable)."), QStringLiteral("key=value")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("rules, log: print one JSON object.")});
    parser.addOption({QStringLiteral("node"), QStringLiteral("log: only actions concerning this node."), QStringLiteral("ID")});
    int code = ExitOk;
    if (!parse(parser, args, command, &code))
        return code;

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usageError(command, QStringLiteral("an action is required: %1").arg(Actions.join(QLatin1Char('|'))));
    const QString action = positional.first();
    if (!Actions.contains(action))
        return usageError(command, QStringLiteral("unknown action '%1' (expected %2)").arg(action, Actions.join(QLatin1Char('|'))));
    command += QLatin1Char(' ') + action;
    const QStringList takesArg{QStringLiteral("suspend"), QStringLiteral("unsuspend"), QStringLiteral("kick"),
                               QStringLiteral("approve"), QStringLiteral("reject"), QStringLiteral("weights")};
    const bool needsArg = takesArg.contains(action);
    if (needsArg && positional.size() < 2)
        return usageError(command, action == QLatin1String("weights") ? QStringLiteral("the weights R,E,C,S are required")
                                   : action == QLatin1String("approve") || action == QLatin1String("reject")
                                       ? QStringLiteral("the PROPOSAL id is required")
                                       : QStringLiteral("the NODE is required"));
    if (positional.size() > (needsArg ? 2 : 1))
        return usageError(command, QStringLiteral("unexpected argument '%1'").arg(positional.value(needsArg ? 2 : 1)));
    const QString arg = positional.value(1);

    // Options that do not belong to the action are mistakes, not ignored.
    const QList<std::pair<QString, QStringList>> optionActions{
        {QStringLiteral("target"), {QStringLiteral("halt")}},
        {QStringLiteral("set"), {QStringLiteral("rules")}},
        {QStringLiteral("json"), {QStringLiteral("rules"), QStringLiteral("log")}},
        {QStringLiteral("node"), {QStringLiteral("log")}},
        {QStringLiteral("reason"), Actions.mid(0, Actions.size() - 1)}, // all but log
    };
    for (const auto &[option, actions] : optionActions)
        if (parser.isSet(option) && !actions.contains(action))
            return usageError(command, QStringLiteral("--%1 does not apply to 'regulate %2'").arg(option, action));
    if (!parser.isSet(QStringLiteral("data")))
        return usageError(command, QStringLiteral("--data DIR is required"));
    if (!parser.isSet(QStringLiteral("as")))
        return usageError(command, QStringLiteral("--as USER (the calling user) is required"));
    const QString reason = parser.value(QStringLiteral("reason")).trimmed();
    const bool printsOnly = action == QLatin1String("log") || (action == QLatin1String("rules") && !parser.isSet(QStringLiteral("set")));
    if (!printsOnly && action != QLatin1String("rules") && reason.isEmpty())
        return usageError(command, QStringLiteral("--reason TEXT is required (it is recorded on the chain)"));
    if (action == QLatin1String("rules") && parser.isSet(QStringLiteral("reason")) && !parser.isSet(QStringLiteral("set")))
        return usageError(command, QStringLiteral("--reason applies only with --set"));

    // The action's own inputs, checked before anything is opened.
    RA ra = RA::HaltTrade;
    ledger::NodeId subject;
    crypto::Hash256 target;
    QByteArray data;
    QString submittedReason = reason;
    const QStringList assignments = parser.values(QStringLiteral("set"));
    if (action == QLatin1String("halt")) {
        if (!parser.isSet(QStringLiteral("target")))
            return usageError(command, QStringLiteral("--target ID (the trade or order id, hex) is required"));
        auto id = parseId(parser.value(QStringLiteral("target")), QStringLiteral("--target"));
        if (!id)
            return usageError(command, id.error().message);
        ra = RA::HaltTrade;
        target = id.value();
    } else if (action == QLatin1String("suspend") || action == QLatin1String("unsuspend") || action == QLatin1String("kick")) {
        ra = action == QLatin1String("suspend") ? RA::Suspend : action == QLatin1String("unsuspend") ? RA::Unsuspend : RA::ProposeKick;
        subject = arg;
    } else if (action == QLatin1String("approve") || action == QLatin1String("reject")) {
        auto id = parseId(arg, QStringLiteral("PROPOSAL"));
        if (!id)
            return usageError(command, id.error().message);
        ra = action == QLatin1String("approve") ? RA::ApproveJoin : RA::RejectJoin;
        target = id.value();
    } else if (action == QLatin1String("weights")) {
        auto w = roster::Weights::parse(arg);
        if (!w)
            return usageError(command, w.error().message);
        if (!w->isValid())
            return usageError(command, QStringLiteral("weights '%1' must each lie in [0,1] and add up to 1").arg(arg));
        ra = RA::SetWeights;
        data = w->toString().toUtf8();
    } else if (action == QLatin1String("rules") && !assignments.isEmpty()) {
        regulator::Rules probe; // key and value syntax now; applied to the rules in force below
        for (const QString &a : assignments)
            if (Status s = probe.set(a); !s.ok())
                return usageError(command, QStringLiteral("--set: %1").arg(s.error().message));
        ra = RA::SetRules;
        if (submittedReason.isEmpty())
            submittedReason = QStringLiteral("set %1").arg(assignments.join(QLatin1Char(' ')));
    }

    const auto scrypt = scryptParamsFromEnv();
    if (!scrypt.ok())
        return usageError(command, scrypt.error().message);
    const crypto::ScryptParams params = scrypt.value();

    // The microgrid as the data directory holds it, on the virtual clock, without load.
    const QString dir = parser.value(QStringLiteral("data"));
    auto stored = engine::Engine::scenarioFromStore(dir);
    if (!stored)
        return usageError(command, stored.error().message);
    engine::Scenario scenario = stored.value();
    scenario.clock = net::ClockMode::Virtual;
    scenario.ordersPerNodePerSecond = 0.0;
    scenario.agents = false;
    auto created = engine::Engine::create(scenario);
    if (!created)
        return usageError(command, created.error().message);
    engine::Engine &engine = *created.value();

    const quint64 seed = scenario.seed;
    auth::Auth authn(*engine.store(), [seed](const QString &node) { return engine::Engine::seededKey(seed, node); }, params);
    const QString callerName = parser.value(QStringLiteral("as"));
    const std::optional<QString> password = callerPassword();
    if (!password)
        return usageError(command, QStringLiteral("no password for '%1': set MG_PASSWORD or give it on the first line of stdin").arg(callerName));
    auto session = authn.login(callerName, *password);
    if (!session)
        return usageError(command, session.error().message);

    if (action == QLatin1String("log")) {
        if (!session->has(auth::Role::Regulator) && !session->has(auth::Role::Operator) && !session->has(auth::Role::Admin))
            return usageError(command, QStringLiteral("user %1 may not read the audit trail: it needs the regulator, operator or admin role (auth.forbidden)")
                                           .arg(callerName));
        const QString node = parser.value(QStringLiteral("node"));
        if (!node.isEmpty() && !engine.directory().find(node))
            return usageError(command, QStringLiteral("--node: there is no node %1").arg(node));
        return printLog(*engine.store(), node, parser.isSet(QStringLiteral("json")), command);
    }
    if (printsOnly) {
        printRules(engine.rules().current(), parser.isSet(QStringLiteral("json")));
        return ExitOk;
    }
    if (ra == RA::SetRules) {
        regulator::Rules next = engine.rules().current();
        for (const QString &a : assignments)
            if (Status s = next.set(a); !s.ok())
                return usageError(command, QStringLiteral("--set: %1").arg(s.error().message));
        data = next.encode();
    }

    // The parent chain needs a biller before a transaction can become final on it.
    engine.start();
    consensus::ChainContext *governance = engine.chain(engine.governanceChain());
    for (net::TimeUs t = 0; t < FinalityTimeoutUs && governance->biller().isEmpty(); t += StepUs)
        engine.runFor(StepUs);

    auto submitted = engine.regulate(*session, ra, subject, target, submittedReason, data);
    if (!submitted)
        return usageError(command, submitted.error().message);
    const crypto::Hash256 id = submitted.value();
    for (net::TimeUs t = 0; t < FinalityTimeoutUs && !isFinal(engine, id); t += StepUs)
        engine.runFor(StepUs);
    if (!isFinal(engine, id)) {
        err() << "microgrid-cli " << command << ": regulator action " << id.toHex() << " was submitted but did not become final within "
              << FinalityTimeoutUs / net::UsPerSecond << " s (virtual)" << Qt::endl;
        return ExitFindings;
    }
    const auto ref = engine.store()->transactionRef(id);
    QString what;
    switch (ra) {
    case RA::HaltTrade: what = QStringLiteral("halted %1").arg(target.shortHex()); break;
    case RA::Suspend: what = QStringLiteral("suspended %1").arg(subject); break;
    case RA::Unsuspend: what = QStringLiteral("unsuspended %1").arg(subject); break;
    case RA::ProposeKick: what = QStringLiteral("proposed to kick %1 (the parent members vote)").arg(subject); break;
    case RA::ApproveJoin: what = QStringLiteral("approved join request %1").arg(target.shortHex()); break;
    case RA::RejectJoin: what = QStringLiteral("rejected join request %1").arg(target.shortHex()); break;
    case RA::SetWeights: what = QStringLiteral("set the election weights to %1").arg(QString::fromUtf8(data)); break;
    case RA::SetRules: what = QStringLiteral("set rules %1").arg(assignments.join(QLatin1Char(' '))); break;
    case RA::Vote: what = QStringLiteral("voted"); break;
    }
    out() << what << " (tx " << id.toHex() << ", chain " << ref->chainId << " height " << ref->height << ")\n";
    out().flush();
    return ExitOk;
}

} // namespace mg::cli
