// Jest stub for imported style sheets (the vendored Treeherder subset lacks tests/jest/).
module.exports = {};
