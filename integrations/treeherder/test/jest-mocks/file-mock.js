// Jest stub for imported images and fonts (the vendored Treeherder subset lacks tests/jest/).
module.exports = 'test-file-stub';
