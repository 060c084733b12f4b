// microgrid-cli user: console users and their node bindings (core/auth) on a data directory.

#include "cli.h"

#include "core/auth/auth.h"
#include "core/engine/engine.h"
#include "core/store/store.h"

#include <QJsonArray>

#include <cstdio>

namespace mg::cli {

namespace {

const QStringList Actions{QStringLiteral("init"), QStringLiteral("add"), QStringLiteral("list"), QStringLiteral("passwd"),
                          QStringLiteral("roles"), QStringLiteral("nodes"), QStringLiteral("remove")};

// Passwords come from the environment or, when a variable is unset, from the next line of
// stdin (the caller's first, then the new one), so they never appear in argv (ps, history).
class PasswordInput
{
public:
    std::optional<QString> caller() { return take("MG_PASSWORD"); }
    std::optional<QString> fresh() { return take("MG_NEW_PASSWORD"); }

private:
    std::optional<QString> take(const char *variable)
    {
        if (qEnvironmentVariableIsSet(variable))
            return qEnvironmentVariable(variable);
        // A null line is the end of input (atEnd() cannot tell before a read on stdin).
        QString line = m_in.readLine();
        if (line.isNull())
            return std::nullopt;
        return line;
    }

    QTextStream m_in{stdin};
};

QStringList splitList(const QString &text)
{
    QStringList list;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!part.trimmed().isEmpty())
            list.append(part.trimmed());
    }
    return list;
}

QJsonArray toJson(const QStringList &list)
{
    QJsonArray a;
    for (const QString &s : list)
        a.append(s);
    return a;
}

} // namespace

int cmdUser(const QStringList &args)
{
    QString command = QStringLiteral("user");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Console users and access control.\n\n"
        "  user init --data DIR [--password-from-env]    create the first admin ('admin')\n"
        "  user add NAME --roles R1,R2 [--nodes N1,N2] --as ADMIN\n"
        "  user list [--json] --as ADMIN|OPERATOR\n"
        "  user passwd NAME --as CALLER                  own password, or an admin's reset\n"
        "  user roles NAME --roles R1,R2 --as ADMIN\n"
        "  user nodes NAME --nodes N1,N2 --as ADMIN      needs NAME's password as the new password\n"
        "  user remove NAME --as ADMIN\n\n"
        "Roles: admin, operator, prosumer, regulator. A prosumer needs at least one node.\n"
        "Passwords: the caller's from MG_PASSWORD, else the first line of stdin; a new password\n"
        "(add, passwd, nodes, init --password-from-env) from MG_NEW_PASSWORD, else the next line.\n"
        "Node keys come from the data directory's seed (written by 'microgrid-cli run --data DIR').\n"
        "MG_SCRYPT_LOG2N=N (10..20) lowers the scrypt cost of new passwords and keys: a test and\n"
        "demo knob only, the default (15) is the secure setting.\n"
        "Exit 0 on success, 2 on bad usage or a refusal (the reason on stderr)."));
    parser.addPositionalArgument(QStringLiteral("action"), Actions.join(QLatin1Char('|')));
    parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The user to act on."), QStringLiteral("[NAME]"));
    parser.addOption({QStringLiteral("data"), QStringLiteral("Data directory holding microgrid.sqlite."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("as"), QStringLiteral("The calling user (password: MG_PASSWORD or stdin)."), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("roles"), QStringLiteral("Comma-separated roles."), QStringLiteral("R1,R2")});
    parser.addOption({QStringLiteral("nodes"), QStringLiteral("Comma-separated node ids to bind."), QStringLiteral("N1,N2")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("list: print one JSON object.")});
    parser.addOption({QStringLiteral("password-from-env"),
                      QStringLiteral("init: take the admin password from MG_NEW_PASSWORD (or MG_PASSWORD) instead of generating one.")});
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
    const bool takesName = action != QLatin1String("init") && action != QLatin1String("list");
    if (takesName && positional.size() < 2)
        return usageError(command, QStringLiteral("the user NAME is required"));
    if (positional.size() > (takesName ? 2 : 1))
        return usageError(command, QStringLiteral("unexpected argument '%1'").arg(positional.value(takesName ? 2 : 1)));
    const QString name = positional.value(1);

    // Options that do not belong to the action are mistakes, not ignored.
    const QList<std::pair<QString, QStringList>> optionActions{
        {QStringLiteral("roles"), {QStringLiteral("add"), QStringLiteral("roles")}},
        {QStringLiteral("nodes"), {QStringLiteral("add"), QStringLiteral("nodes")}},
        {QStringLiteral("json"), {QStringLiteral("list")}},
        {QStringLiteral("password-from-env"), {QStringLiteral("init")}},
        {QStringLiteral("as"), Actions.mid(1)}, // all but init
    };
    for (const auto &[option, actions] : optionActions) {
        if (parser.isSet(option) && !actions.contains(action))
            return usageError(command, QStringLiteral("--%1 does not apply to 'user %2'").arg(option, action));
    }
    if (!parser.isSet(QStringLiteral("data")))
        return usageError(command, QStringLiteral("--data DIR is required"));
    if (action != QLatin1String("init") && !parser.isSet(QStringLiteral("as")))
        return usageError(command, QStringLiteral("--as NAME (the calling user) is required"));
    if ((action == QLatin1String("add") || action == QLatin1String("roles")) && !parser.isSet(QStringLiteral("roles")))
        return usageError(command, QStringLiteral("--roles R1,R2 is required"));
    if (action == QLatin1String("nodes") && !parser.isSet(QStringLiteral("nodes")))
        return usageError(command, QStringLiteral("--nodes N1,N2 is required (an empty value unbinds every node)"));
    std::optional<auth::Roles> roles;
    if (parser.isSet(QStringLiteral("roles"))) {
        roles = auth::rolesFromString(parser.value(QStringLiteral("roles")));
        if (!roles)
            return usageError(command, QStringLiteral("--roles: unknown role in '%1' (expected admin, operator, prosumer, regulator)")
                                           .arg(parser.value(QStringLiteral("roles"))));
    }
    const QStringList nodes = splitList(parser.value(QStringLiteral("nodes")));

    const auto scrypt = scryptParamsFromEnv();
    if (!scrypt.ok())
        return usageError(command, scrypt.error().message);
    const crypto::ScryptParams params = scrypt.value();

    const QString dir = parser.value(QStringLiteral("data"));
    auto opened = store::Store::open(dir, store::Store::Options{.readOnly = false, .create = false});
    if (!opened)
        return usageError(command, opened.error().message);
    store::Store &store = *opened.value();

    bool seeded = false;
    const quint64 seed = store.meta(QStringLiteral("seed")).toULongLong(&seeded);
    auth::Auth authn(store, [seeded, seed](const QString &node) {
        return seeded ? engine::Engine::seededKey(seed, node) : crypto::KeyPair();
    }, params);
    // A refusal: its message, exit 2. Binding without the seed gets the reason appended.
    const auto refuse = [&](const Error &e) {
        QString message = e.message;
        if (e.code == QLatin1String("auth.key_mismatch") && !seeded)
            message += QStringLiteral(" (%1 has no 'seed' setting; it is written by 'microgrid-cli run --data %1')").arg(dir);
        return usageError(command, message);
    };

    PasswordInput passwords;
    if (action == QLatin1String("init")) {
        QString password;
        if (parser.isSet(QStringLiteral("password-from-env"))) {
            password = qEnvironmentVariableIsSet("MG_NEW_PASSWORD") ? qEnvironmentVariable("MG_NEW_PASSWORD")
                                                                    : qEnvironmentVariable("MG_PASSWORD");
            if (password.isEmpty())
                return usageError(command, QStringLiteral("--password-from-env: neither MG_NEW_PASSWORD nor MG_PASSWORD is set"));
        }
        auto created = authn.bootstrapAdmin(password);
        if (!created) {
            if (created.error().code == QLatin1String("auth.exists"))
                return usageError(command, QStringLiteral("%1 already has users; 'user init' only creates the first admin").arg(dir));
            return refuse(created.error());
        }
        out() << "created user 'admin' (roles admin)\n";
        if (password.isEmpty())
            out() << "admin password: " << *created << "\n";
        out().flush();
        return ExitOk;
    }

    const QString callerName = parser.value(QStringLiteral("as"));
    const std::optional<QString> callerPassword = passwords.caller();
    if (!callerPassword)
        return usageError(command, QStringLiteral("no password for '%1': set MG_PASSWORD or give it on the first line of stdin").arg(callerName));
    auto session = authn.login(callerName, *callerPassword);
    if (!session)
        return refuse(session.error());
    const auto newPassword = [&]() -> std::optional<QString> { return passwords.fresh(); };
    const QString noNewPassword = QStringLiteral("no password for '%1': set MG_NEW_PASSWORD or give it on the next line of stdin").arg(name);

    Status done = okStatus();
    if (action == QLatin1String("list")) {
        auto list = authn.users(*session);
        if (!list)
            return refuse(list.error());
        if (parser.isSet(QStringLiteral("json"))) {
            QJsonArray users;
            for (const auth::UserInfo &u : *list) {
                users.append(QJsonObject{
                    {QStringLiteral("name"), u.name},
                    {QStringLiteral("roles"), toJson(auth::rolesToString(u.roles).split(QLatin1Char(','), Qt::SkipEmptyParts))},
                    {QStringLiteral("nodes"), toJson(u.nodes)},
                    {QStringLiteral("locked"), u.locked},
                    {QStringLiteral("lockedUntilMs"), u.lockedUntilMs},
                    {QStringLiteral("failedLogins"), u.failedLogins},
                });
            }
            printJson(QJsonObject{{QStringLiteral("users"), users}});
        } else {
            for (const auth::UserInfo &u : *list) {
                out() << u.name << "  roles: " << auth::rolesToString(u.roles)
                      << "  nodes: " << (u.nodes.isEmpty() ? QStringLiteral("-") : u.nodes.join(QLatin1Char(',')));
                if (u.failedLogins > 0)
                    out() << "  failed logins: " << u.failedLogins;
                if (u.locked)
                    out() << "  locked";
                out() << '\n';
            }
            out().flush();
        }
        return ExitOk;
    } else if (action == QLatin1String("add")) {
        const auto password = newPassword();
        if (!password)
            return usageError(command, noNewPassword);
        done = authn.addUser(*session, name, *password, *roles, nodes);
        if (done)
            out() << "added user '" << name << "' (roles " << auth::rolesToString(*roles) << "; nodes "
                  << (nodes.isEmpty() ? QStringLiteral("none") : nodes.join(QLatin1Char(','))) << ")\n";
    } else if (action == QLatin1String("passwd")) {
        const auto password = newPassword();
        if (!password)
            return usageError(command, noNewPassword);
        // Their own password: the caller's password is the current one (keys re-encrypted);
        // someone else's: an admin's reset (keys re-bound from the seed).
        done = authn.setPassword(*session, name, *password, callerName == name ? *callerPassword : QString());
        if (done)
            out() << "changed the password of '" << name << "'\n";
    } else if (action == QLatin1String("roles")) {
        done = authn.setRoles(*session, name, *roles);
        if (done)
            out() << "roles of '" << name << "': " << auth::rolesToString(*roles) << '\n';
    } else if (action == QLatin1String("nodes")) {
        const auto password = newPassword();
        if (!password)
            return usageError(command, noNewPassword);
        done = authn.setNodes(*session, name, nodes, *password);
        if (done)
            out() << "nodes of '" << name << "': " << (nodes.isEmpty() ? QStringLiteral("none") : nodes.join(QLatin1Char(','))) << '\n';
    } else if (action == QLatin1String("remove")) {
        done = authn.removeUser(*session, name);
        if (done)
            out() << "removed user '" << name << "'\n";
    }
    if (!done)
        return refuse(done.error());
    out().flush();
    return ExitOk;
}

} // namespace mg::cli
