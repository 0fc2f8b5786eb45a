#!/usr/bin/env pwsh
& {

$ErrorActionPreference = "Stop"
if(Test-Path "/builds/t0k/0/g/p.tmp/SECRET_FILE" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p.tmp/SECRET_FILE"
}

if(Test-Path "/builds/t0k/0/g/p.tmp/gitlab_runner_env" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p.tmp/gitlab_runner_env"
}

if(Test-Path "/builds/t0k/0/g/p.tmp/masking.db" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p.tmp/masking.db"
}

if(Test-Path "/builds/t0k/0/g/p.tmp/.gitlab-runner.ext.conf" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p.tmp/.gitlab-runner.ext.conf"
}

if(Test-Path "/builds/t0k/0/g/p.tmp/.glr.gconf" -PathType Leaf) {
  Remove-Item -Force "/builds/t0k/0/g/p.tmp/.glr.gconf"
}

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

if(Test-Path "/builds/t0k/0/g/p/.git" -PathType Container) {
  cd "/builds/t0k/0/g/p"
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'clean' '-ffdx'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'reset' '--hard'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'submodule' 'foreach' '--recursive' 'git' 'clean' '-ffdx'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

  & "git" 'submodule' 'foreach' '--recursive' 'git' 'reset' '--hard'
  if(!$?) { Exit &{if($LASTEXITCODE) {$LASTEXITCODE} else {1}} }

}

Try { "url=https://gitlab.example.com`nusername=gitlab-ci-token`n" | & "git" 'credential' 'reject' 2>$null | out-null } Catch { }
$global:LASTEXITCODE = 0

}

