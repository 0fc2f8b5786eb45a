#!/usr/bin/env pwsh
& {

$ErrorActionPreference = "Stop"
${CI_JOB_ID}="42"
${env:CI_JOB_ID}=${CI_JOB_ID}
${QUOTED}="a `"b`" `$c ``d`' `#e"
${env:QUOTED}=${QUOTED}
New-Item -ItemType directory -Force -Path "/builds/t0k/0/g/p.tmp" | out-null
[System.IO.File]::WriteAllText("/builds/t0k/0/g/p.tmp/SECRET_FILE", "line1`nline2")
${SECRET_FILE}="/builds/t0k/0/g/p.tmp/SECRET_FILE"
${env:SECRET_FILE}=${SECRET_FILE}
${GITLAB_ENV}="/builds/t0k/0/g/p.tmp/gitlab_runner_env"
${env:GITLAB_ENV}=${GITLAB_ENV}
New-Item -ItemType directory -Force -Path "/builds/t0k/0/g/p.tmp" | out-null
if(!(Test-Path "/builds/t0k/0/g/p.tmp/gitlab_runner_env")) {
  New-Item -ItemType File -Path "/builds/t0k/0/g/p.tmp/gitlab_runner_env" | out-null
}

Try { Get-Content "/builds/t0k/0/g/p.tmp/gitlab_runner_env" | ForEach { $k, $v = $_.split('=', 2); Set-Content env:\$k $v} } Catch { echo "[0;33mUnable to read env file: /builds/t0k/0/g/p.tmp/gitlab_runner_env[0;m" }

${GIT_TERMINAL_PROMPT}="0"
${env:GIT_TERMINAL_PROMPT}=${GIT_TERMINAL_PROMPT}
${GCM_INTERACTIVE}="Never"
${env:GCM_INTERACTIVE}=${GCM_INTERACTIVE}
${GLR_EXT_GIT_CONFIG_PATH}="/builds/t0k/0/g/p.tmp/.gitlab-runner.ext.conf"
${env:GLR_EXT_GIT_CONFIG_PATH}=${GLR_EXT_GIT_CONFIG_PATH}
${GIT_LFS_SKIP_SMUDGE}="1"
${env:GIT_LFS_SKIP_SMUDGE}=${GIT_LFS_SKIP_SMUDGE}
echo "[32;1mFetching changes with git depth set to 20...[0;m"
if(Test-Path "/builds/t0k/0/g/p/.git/index.lock" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p/.git/index.lock"
}

if(Test-Path "/builds/t0k/0/g/p/.git/shallow.lock" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p/.git/shallow.lock"
}

if(Test-Path "/builds/t0k/0/g/p/.git/HEAD.lock" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p/.git/HEAD.lock"
}

if(Test-Path "/builds/t0k/0/g/p/.git/hooks/post-checkout" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p/.git/hooks/post-checkout"
}

if(Test-Path "/builds/t0k/0/g/p/.git/config.lock" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p/.git/config.lock"
}

if(Test-Path "/builds/t0k/0/g/p/.git/refs" -PathType Container) {
  Get-ChildItem -Path "/builds/t0k/0/g/p/.git/refs" -Filter '*.lock' -File -Recurse -Force | Remove-Item -Force
}

if(Test-Path "/builds/t0k/0/g/p.tmp/git-template/config" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p.tmp/git-template/config"
}

if(Test-Path "/builds/t0k/0/g/p.tmp/git-template/hooks" -PathType Container) {
  Remove-Item -Force -Recurse "/builds/t0k/0/g/p.tmp/git-template/hooks"
}

if(Test-Path "/builds/t0k/0/g/p/.git/config" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p/.git/config"
}

if(Test-Path "/builds/t0k/0/g/p/.git/hooks" -PathType Container) {
  Remove-Item -Force -Recurse "/builds/t0k/0/g/p/.git/hooks"
}

$glr_repo_existed = Test-Path "/builds/t0k/0/g/p/.git" -PathType Container
New-Item -ItemType directory -Force -Path "/builds/t0k/0/g/p.tmp/git-template" | out-null
& "git" 'config' '-f' '/builds/t0k/0/g/p.tmp/git-template/config' 'init.defaultBranch' 'none'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'config' '-f' '/builds/t0k/0/g/p.tmp/git-template/config' 'fetch.recurseSubmodules' 'false'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'config' '-f' '/builds/t0k/0/g/p.tmp/git-template/config' 'credential.interactive' 'never'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'config' '-f' '/builds/t0k/0/g/p.tmp/git-template/config' 'gc.autoDetach' 'false'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'config' '-f' '/builds/t0k/0/g/p.tmp/git-template/config' '--replace-all' 'include.path' $GLR_EXT_GIT_CONFIG_PATH '\.gitlab-runner\.ext\.conf$'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

New-Item -ItemType directory -Force -Path "/builds/t0k/0/g/p.tmp" | out-null
[System.IO.File]::WriteAllText($GLR_EXT_GIT_CONFIG_PATH, "[url `"https://gitlab-ci-token:glcbt-64_GoldenToken@gitlab.example.com/g/p.git`"]`n`tinsteadOf = `"https://gitlab.example.com/g/p.git`"`n[url `"https://gitlab-ci-token:glcbt-64_GoldenToken@gitlab.example.com/`"]`n`tinsteadOf = `"https://gitlab.example.com/`"`n[transfer]`n`tbundleURI = true`n")

& "git" 'init' '/builds/t0k/0/g/p' '--template' '/builds/t0k/0/g/p.tmp/git-template'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

cd "/builds/t0k/0/g/p"
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

$glr_ok = $false
Try {
  & "git" 'remote' 'add' 'origin' 'https://gitlab.example.com/g/p.git' 2>$null | out-null
  $glr_ok = ($LASTEXITCODE -eq 0)
} Catch {
  $glr_ok = $false
}
if($glr_ok) {
  if(!$glr_repo_existed) {
    echo "[32;1mCreated fresh repository.[0;m"
  }

} else {
  & "git" 'remote' 'set-url' 'origin' 'https://gitlab.example.com/g/p.git'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'config' '--file' '.git/config' '--replace-all' 'include.path' $GLR_EXT_GIT_CONFIG_PATH '\.gitlab-runner\.ext\.conf$'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

}

& "git" '-c' 'http.userAgent=glrunner 0.0.0 linux/amd64' 'fetch' 'origin' '--no-recurse-submodules' '+refs/heads/main:refs/remotes/origin/main' '--depth' '20' '--prune' '--quiet'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

echo "[32;1mChecking out 01234567 as detached HEAD (ref is main)...[0;m"
& "git" '-c' 'submodule.recurse=false' 'checkout' '-f' '-q' '0123456789abcdef0123456789abcdef01234567'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

& "git" 'clean' '-ffdx'
if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

$glr_ok = $false
Try {
  & "git" 'lfs' 'version' 2>$null | out-null
  $glr_ok = ($LASTEXITCODE -eq 0)
} Catch {
  $glr_ok = $false
}
if($glr_ok) {
  & "git" 'lfs' 'pull'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  echo ""
}

echo "[32;1mSkipping Git submodules setup[0;m"
Try { "url=https://gitlab.example.com`nusername=gitlab-ci-token`n" | & "git" 'credential' 'reject' 2>$null | out-null } Catch { }
$global:LASTEXITCODE = 0

}

