#include "core/auth/roles.h"

#include <QStringList>

namespace mg::auth {

QString roleName(Role role)
{
    switch (role) {
    case Role::Admin:
        return QStringLiteral("admin");
    case Role::Operator:
        return QStringLiteral("operator");
    case Role::Prosumer:
        return QStringLiteral("prosumer");
    case Role::Regulator:
        return QStringLiteral("regulator");
    }
    Q_UNREACHABLE();
    return {};
}

QString rolesToString(Roles roles)
{
    QStringList names;
    for (Role r : AllRoles) {
        if (roles.testFlag(r))
            names.append(roleName(r));
    }
    return names.join(QLatin1Char(','));
}

std::optional<Roles> rolesFromString(QStringView text)
{
    Roles roles;
    if (text.trimmed().isEmpty())
        return roles;
    for (QStringView part : text.split(u',')) {
        part = part.trimmed();
        bool known = false;
        for (Role r : AllRoles) {
            if (part.compare(roleName(r), Qt::CaseInsensitive) == 0) {
                roles |= r;
                known = true;
                break;
            }
        }
        if (!known)
            return std::nullopt;
    }
    return roles;
}

} // namespace mg::auth
