package engine

import (
	"errors"
	"io/fs"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
)

// OriginURL returns the URL of the remote "origin" of the repository
// rooted at fsys, as git remote get-url origin prints it, read from the
// git metadata without a git binary: .git/config in fsys, else, for a
// linked worktree whose .git is a file, the repository on disk at dir.
// It is "" when there is no such remote.
func OriginURL(fsys fs.FS, dir string) (string, error) {
	var cfg *config.Config
	if f, err := fsys.Open(".git/config"); err == nil {
		defer f.Close()
		if cfg, err = config.ReadConfig(f); err != nil {
			return "", err
		}
	} else if dir != "" {
		repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if cfg, err = repo.Config(); err != nil {
			return "", err
		}
	} else {
		return "", nil
	}
	origin, ok := cfg.Remotes["origin"]
	if !ok || len(origin.URLs) == 0 {
		return "", nil
	}
	return origin.URLs[0], nil
}
