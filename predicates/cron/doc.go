// Package cron provides Cron("min hour dom month dow"): the current local
// time matches a five-field cron mask, for routes that apply at recurring
// times (office hours, nightly batch windows).
package cron
