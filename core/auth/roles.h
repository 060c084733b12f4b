#pragma once

#include <QFlags>
#include <QString>
#include <QStringView>

#include <optional>

namespace mg::auth {

// What a console user may do (DESIGN.md "Who uses it"). A user may hold several roles.
enum class Role : quint8 {
    Admin = 1,     // creates users, binds them to nodes
    Operator = 2,  // monitors trades, chains and the grid
    Prosumer = 4,  // places orders for its bound nodes
    Regulator = 8, // approves or evicts nodes, halts trades, sets rules
};
Q_DECLARE_FLAGS(Roles, Role)

// Every role, in the fixed order used by rolesToString().
inline constexpr Role AllRoles[] = {Role::Admin, Role::Operator, Role::Prosumer, Role::Regulator};

// "admin", "operator", "prosumer", "regulator" (stable: stored in the users table).
QString roleName(Role role);
// "admin,operator": the set roles in the fixed order Admin, Operator, Prosumer, Regulator; "" when none.
QString rolesToString(Roles roles);
// Comma-separated, case-insensitive, spaces around names ignored; "" is the empty set.
// nullopt for an unknown or empty name ("admin,,operator", "root").
std::optional<Roles> rolesFromString(QStringView text);

} // namespace mg::auth

Q_DECLARE_OPERATORS_FOR_FLAGS(mg::auth::Roles)
