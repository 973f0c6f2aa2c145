#ifndef VIGIL_CNCURSESW_SHIM_H
#define VIGIL_CNCURSESW_SHIM_H

/*
 * The ncursesw C API as Swift can use it under Swift 6 strict concurrency.
 *
 * Swift cannot import function-like macros (COLOR_PAIR, KEY_F, getmaxyx) and
 * must not touch ncurses' mutable globals (stdscr, LINES, COLS, COLORS,
 * COLOR_PAIRS) directly: those are "nonisolated global shared mutable state"
 * to the compiler. Everything Swift needs goes through the small static
 * inline functions below. The terminal-restore handlers live here too, in C,
 * so that a signal handler never runs Swift code.
 */

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#if defined(__has_include)
#  if __has_include(<ncursesw/curses.h>)
#    include <ncursesw/curses.h>
#  else
#    include <curses.h>
#  endif
#else
#  include <curses.h>
#endif

/* ---- screen, size and colour capabilities ---- */

/* The locale from the environment; where that is not UTF-8 (LANG unset, as
 * under cron, env -i or a bare tmux server), a UTF-8 character type anyway:
 * every terminal Vigil targets speaks UTF-8, and without it curses would show
 * every non-ASCII character in data as an escape like M-bM-^@M-^T.
 * Returns 1 when the character type ends up UTF-8. */
static inline int vigil_set_locale_from_environment(void) {
    setlocale(LC_ALL, "");
    const char *codeset = nl_langinfo(CODESET);
    if (codeset != NULL && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0)) return 1;
    const char *fallbacks[] = { "C.UTF-8", "C.utf8", "en_US.UTF-8" };
    for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++) {
        if (setlocale(LC_CTYPE, fallbacks[i]) != NULL) return 1;
    }
    return 0;
}

/* newterm rather than initscr: initscr exits the process on failure. */
static inline int vigil_start_screen(void) {
    SCREEN *screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return 0;
    set_term(screen);
    return 1;
}

/* Back into curses mode after vigil_end_screen (endwin), on the same screen. */
static inline int vigil_resume_screen(void) {
    return wrefresh(stdscr);
}

static inline int vigil_screen_is_active(void) {
    return stdscr != NULL && !isendwin();
}

/* A process can inherit a blocked signal mask (a tmux server started by a program whose threads block
 * signals passes it on to every pane). The workbench needs SIGWINCH to see resizes and the termination
 * signals to restore the terminal, so it unblocks them before curses starts. */
static inline void vigil_unblock_terminal_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    int needed[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCONT, SIGTSTP };
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) sigaddset(&set, needed[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static inline void vigil_end_screen(void) {
    if (stdscr != NULL && !isendwin()) endwin();
}

static inline int vigil_lines(void) {
    if (stdscr == NULL) return 0;
    int y, x;
    getmaxyx(stdscr, y, x);
    (void)x;
    return y;
}

static inline int vigil_cols(void) {
    if (stdscr == NULL) return 0;
    int y, x;
    getmaxyx(stdscr, y, x);
    (void)y;
    return x;
}

static inline int vigil_colors(void) { return COLORS; }
static inline int vigil_color_pairs(void) { return COLOR_PAIRS; }

static inline int vigil_keypad(int enabled) { return keypad(stdscr, enabled ? TRUE : FALSE); }
static inline int vigil_timeout(int milliseconds) { wtimeout(stdscr, milliseconds); return OK; }
static inline int vigil_erase(void) { return werase(stdscr); }
static inline int vigil_clear(void) { return wclear(stdscr); }
static inline int vigil_refresh(void) { return wrefresh(stdscr); }

/* Pairs above 255 do not fit in the attribute bits; init_extended_pair plus
 * the opts pointer of setcchar carry them. */
static inline int vigil_init_pair(int pair, int foreground, int background) {
#if defined(NCURSES_EXT_COLORS)
    return init_extended_pair(pair, foreground, background);
#else
    return init_pair((short)pair, (short)foreground, (short)background);
#endif
}

/* ---- attributes ---- */

static inline unsigned int vigil_attr_normal(void) { return (unsigned int)A_NORMAL; }
static inline unsigned int vigil_attr_bold(void) { return (unsigned int)A_BOLD; }
static inline unsigned int vigil_attr_reverse(void) { return (unsigned int)A_REVERSE; }
static inline unsigned int vigil_attr_underline(void) { return (unsigned int)A_UNDERLINE; }
static inline unsigned int vigil_attr_dim(void) { return (unsigned int)A_DIM; }
static inline unsigned int vigil_color_pair_attr(int pair) { return (unsigned int)COLOR_PAIR(pair); }

/* ---- drawing ---- */

/* Writes one cell: a spacing character plus up to CCHARW_MAX-1 combining
 * characters. Errors at the bottom-right corner (the cursor cannot advance)
 * are expected and ignored by callers. */
static inline int vigil_put_cell(int y, int x, const wchar_t *characters, int count,
                                 unsigned int attributes, int pair) {
    wchar_t text[CCHARW_MAX + 1];
    int n = count < CCHARW_MAX ? count : CCHARW_MAX;
    if (n <= 0) { text[0] = L' '; n = 1; }
    else memcpy(text, characters, (size_t)n * sizeof(wchar_t));
    text[n] = L'\0';
    cchar_t cell;
    int extendedPair = pair;
    if (setcchar(&cell, text, (attr_t)attributes, (short)(pair < 32767 ? pair : 0), &extendedPair) != OK) {
        return ERR;
    }
    return mvwadd_wch(stdscr, y, x, &cell);
}

/* ---- keys ---- */

enum {
    VIGIL_INPUT_NONE = 0,      /* timeout or error */
    VIGIL_INPUT_CHARACTER = 1, /* *code holds a Unicode scalar value */
    VIGIL_INPUT_KEY_CODE = 2,  /* *code holds a KEY_* value */
    VIGIL_INPUT_INTERRUPTED = 3 /* a signal cut the wait short; try again */
};

static inline int vigil_get_wch(int *code) {
    wint_t value = 0;
    errno = 0;
    int result = wget_wch(stdscr, &value);
    *code = (int)value;
    if (result == KEY_CODE_YES) return VIGIL_INPUT_KEY_CODE;
    if (result == OK) return VIGIL_INPUT_CHARACTER;
    if (errno == EINTR) return VIGIL_INPUT_INTERRUPTED;
    return VIGIL_INPUT_NONE;
}

static inline int vigil_key_resize(void) { return KEY_RESIZE; }
static inline int vigil_key_up(void) { return KEY_UP; }
static inline int vigil_key_down(void) { return KEY_DOWN; }
static inline int vigil_key_left(void) { return KEY_LEFT; }
static inline int vigil_key_right(void) { return KEY_RIGHT; }
static inline int vigil_key_page_up(void) { return KEY_PPAGE; }
static inline int vigil_key_page_down(void) { return KEY_NPAGE; }
static inline int vigil_key_home(void) { return KEY_HOME; }
static inline int vigil_key_end(void) { return KEY_END; }
static inline int vigil_key_backspace(void) { return KEY_BACKSPACE; }
static inline int vigil_key_delete(void) { return KEY_DC; }
static inline int vigil_key_enter(void) { return KEY_ENTER; }
static inline int vigil_key_back_tab(void) { return KEY_BTAB; }
static inline int vigil_key_f0(void) { return KEY_F0; }
static inline int vigil_key_f(int n) { return KEY_F(n); }

/* ---- restoring the terminal whatever happens ----
 *
 * Termination signals (INT, TERM, HUP, QUIT, and the other signals whose
 * default action is to terminate, where nobody has chosen otherwise): end
 * curses mode, then die of the same signal with its default action, so the
 * parent sees the real cause.
 * Fault signals (ABRT, SEGV, BUS, ILL, FPE, TRAP): end curses mode, then hand
 * the signal to whatever handler was there before (the Swift runtime's
 * backtracer, or the default), so crash reports still appear, now on a sane
 * terminal. endwin is not formally async-signal-safe; every curses program
 * makes this trade, because a terminal left in raw mode is worse. */

#define VIGIL_MAX_SIGNAL 65
/* Function-local storage: Swift's importer emits the inline functions it
 * uses, but not file-scope variables from a header. */
static inline struct sigaction *vigil_previous_actions_(void) {
    static struct sigaction actions[VIGIL_MAX_SIGNAL];
    return actions;
}

static void vigil_restore_on_termination_(int sig) {
    vigil_end_screen();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void vigil_restore_on_fault_(int sig, siginfo_t *info, void *context) {
    (void)context;
    vigil_end_screen();
    if (sig > 0 && sig < VIGIL_MAX_SIGNAL) {
        sigaction(sig, &vigil_previous_actions_()[sig], NULL);
    } else {
        signal(sig, SIG_DFL);
    }
    /* A genuine fault re-executes the faulting instruction on return and
     * reaches the previous handler with the original context; a signal that
     * was sent (kill, raise, abort) has to be sent again. */
    if (info == NULL || info->si_code <= 0 || sig == SIGABRT) raise(sig);
}

static void vigil_restore_at_exit_(void) { vigil_end_screen(); }

static inline void vigil_install_terminal_restore(void) {
    atexit(vigil_restore_at_exit_);

    /* INT and TERM replace the handlers ncurses installed for itself. */
    int termination[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    for (size_t i = 0; i < sizeof termination / sizeof termination[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = vigil_restore_on_termination_;
        sigemptyset(&action.sa_mask);
        sigaction(termination[i], &action, NULL);
    }

    /* Other signals that kill by default; left alone where someone already chose a disposition. */
    int alsoFatal[] = { SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPIPE };
    for (size_t i = 0; i < sizeof alsoFatal / sizeof alsoFatal[0]; i++) {
        struct sigaction current;
        if (sigaction(alsoFatal[i], NULL, &current) != 0 || current.sa_handler != SIG_DFL) continue;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = vigil_restore_on_termination_;
        sigemptyset(&action.sa_mask);
        sigaction(alsoFatal[i], &action, NULL);
    }

    int faults[] = { SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        int sig = faults[i];
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = vigil_restore_on_fault_;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        sigaction(sig, &action, &vigil_previous_actions_()[sig]);
    }
}

#endif
