// Package docs holds no code of the server or the page. Its tests specify
// that the README and the manual in docs/ hold together: every link in them
// resolves to a file of the tree (and an #anchor to one of its headings, by
// GitHub's rules), and the README stays a page a newcomer reads in two
// minutes.
package docs
